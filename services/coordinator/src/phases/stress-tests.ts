import { Phase, phaseInfo } from "@sigma/contracts";
import { addSkip } from "../domain/run-record.js";
import { PhaseFailedError, type PhaseStep, RunCancelledError, retryOnCodes, TRANSIENT_CODES } from "./step.js";

/**
 * Stress Tests: after the chunked phases (the exposures and factor EWMA covariance of the last date
 * exist by then), one ComputeStress call storing the active scenarios' results for the run's
 * portfolios on the run's last date (the risk service replaces that date's rows, so a retry is
 * idempotent). A portfolio with nothing eligible (no exposure to stress) is a counted skip; eligible
 * portfolios and no stored result fail the phase, and so does nothing stored without a typed skip.
 */
export const stressTestsStep: PhaseStep = {
  phase: Phase.STRESS_TESTS,
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
    await ctx.reporter.phaseStarted(Phase.STRESS_TESTS, portfolioIds.length, "portfolios");
    const res = await ctx.services.risk.computeStress(
      { portfolioIds, date, runId: ctx.runId },
      { signal: ctx.signal, timeoutMs: ctx.timeoutMs },
    );
    const eligible = Number(res.counters?.inputs ?? 0n);
    c.outputs = Number(res.counters?.outputs ?? 0n);
    for (const s of res.counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
    for (const p of res.problems) {
      if (!ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date })) continue;
      await ctx.reporter.warn(`${phaseInfo(Phase.STRESS_TESTS).name}: ${p.symbol}: ${p.message}`, {
        symbol: p.symbol,
        date: p.date,
        phase: Phase.STRESS_TESTS,
      });
    }
    await ctx.reporter.phaseProgress(Phase.STRESS_TESTS, portfolioIds.length, portfolioIds.length, "portfolios");
    ctx.record.summary = `${c.outputs} stress results for ${portfolioIds.length} portfolio(s) on ${date}`;
    const explained = (res.counters?.skipped ?? []).some((s) => s.count > 0n);
    if (portfolioIds.length > 0 && c.outputs === 0 && (eligible > 0 || !explained)) {
      throw new PhaseFailedError(`${portfolioIds.length} portfolio(s) in scope and no stress result stored on ${date}`);
    }
    return {};
  },
};
