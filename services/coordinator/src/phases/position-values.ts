import { Phase } from "@sigma/contracts";
import { addSkip } from "../domain/run-record.js";
import { PhaseFailedError, type PhaseStep, RunCancelledError, retryOnCodes, TRANSIENT_CODES } from "./step.js";

/**
 * Phase 2.5 (Position Values): after the chunked phases, one ComputePositionValues call for the
 * run's portfolios on the run's last date (the snapshot service replaces that date's rows).
 */
export const positionValuesStep: PhaseStep = {
  phase: Phase.POSITION_VALUES,
  scope: "portfolios",
  shape: "whole_range",
  deadlineMs: 15 * 60_000,
  retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
  unit: "portfolios",
  async run(ctx, chunk) {
    if (ctx.cancelled()) throw new RunCancelledError();
    const date = chunk.dates.at(-1)!;
    const portfolioIds = [...ctx.scope.portfolios];
    // A retried call starts over: counters describe the last attempt only.
    ctx.record.counters = { inputs: portfolioIds.length, outputs: 0, skipped: {} };
    const c = ctx.record.counters;
    await ctx.reporter.phaseStarted(Phase.POSITION_VALUES, portfolioIds.length, "portfolios");
    const res = await ctx.services.snapshot.computePositionValues({ portfolioIds, date }, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
    c.outputs = Number(res.counters?.outputs ?? 0n);
    for (const s of res.counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
    await ctx.reporter.phaseProgress(Phase.POSITION_VALUES, portfolioIds.length, portfolioIds.length, "portfolios");
    ctx.record.summary = `${c.outputs} position values for ${portfolioIds.length} portfolio(s) on ${date}`;
    if (portfolioIds.length > 0 && c.outputs === 0) {
      throw new PhaseFailedError(`${portfolioIds.length} portfolio(s) in scope and no position value on ${date}`);
    }
    return {};
  },
};
