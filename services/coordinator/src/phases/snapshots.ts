import { Phase, phaseInfo, type SymbolProblem } from "@sigma/contracts";
import { cellsInChunk } from "../domain/portfolio-plan.js";
import { addSkip } from "../domain/run-record.js";
import { fanOutCells } from "./portfolio-items.js";
import { type PhaseStep, RunCancelledError, retryOnCodes, type StepContext, type StepOutcome, TRANSIENT_CODES } from "./step.js";

/**
 * Phase 2 (Portfolio Snapshots): per date chunk, ComputeSnapshots calls with the cells of the
 * chunk (each portfolio only on the dates it lacks), cut into items of portfolios spread over the
 * snapshot service's replicas. The snapshot service replaces the rows of the
 * cells it computes, so a retried call is idempotent.
 */
export const snapshotsStep: PhaseStep = {
  phase: Phase.SNAPSHOTS,
  scope: "portfolios",
  shape: "date_chunks",
  // Reads prices only (phase 1, before the chunk loop): runs a chunk alongside phases 1.5 and 1.75.
  after: [],
  deadlineMs: 15 * 60_000,
  retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
  run: (ctx, chunk) => runSnapshotsChunk(ctx, chunk.dates),
};

async function runSnapshotsChunk(ctx: StepContext, dates: readonly string[]): Promise<StepOutcome> {
  if (ctx.cancelled()) throw new RunCancelledError();
  const c = ctx.record.counters;
  // Inputs are the portfolios with cells (counted once); the runner fails a phase whose inputs got no row.
  c.inputs = ctx.scope.cells.byPortfolio.size;
  const cells = cellsInChunk(ctx.scope.cells, dates);
  if (cells.length === 0) return {};
  // The run id lets the snapshot service reuse the prices it read for the run's earlier chunks.
  const results = await fanOutCells(ctx, Phase.SNAPSHOTS, cells, (item) =>
    ctx.services.snapshot.computeSnapshots({ cells: item, runId: ctx.runId }, { signal: ctx.signal, timeoutMs: ctx.timeoutMs }),
  );
  for (const res of results) {
    c.outputs += Number(res.counters?.outputs ?? 0n);
    for (const s of res.counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
  }
  for (const res of results) for (const p of res.problems) await recordProblem(ctx, p);
  return {};
}

async function recordProblem(ctx: StepContext, p: SymbolProblem): Promise<void> {
  // An unpriced symbol recurs on every date: reported once per run.
  if (!ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date })) return;
  await ctx.reporter.warn(`${phaseInfo(Phase.SNAPSHOTS).name}: ${p.symbol}: ${p.message}`, {
    symbol: p.symbol,
    date: p.date,
    phase: Phase.SNAPSHOTS,
  });
}
