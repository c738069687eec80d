import { type Phase, phaseInfo, type PhaseCounters, type SymbolProblem } from "@sigma/contracts";
import { cellsInChunk } from "../domain/portfolio-plan.js";
import { addSkip } from "../domain/run-record.js";
import { fanOutCells } from "./portfolio-items.js";
import { type PhaseStep, RunCancelledError, retryOnCodes, type StepContext, type StepOutcome, TRANSIENT_CODES } from "./step.js";

/** The risk phases that run per date chunk on (portfolio, dates) cells. */
export type RiskChunkPhase = Phase.POSITION_BETAS | Phase.FACTOR_EXPOSURES | Phase.VOLATILITY | Phase.CORRELATIONS;

/** What every risk compute RPC answers. */
interface RiskComputeResponse {
  counters?: PhaseCounters;
  problems: SymbolProblem[];
}

/** One risk compute RPC of a chunk: the chunk's cells and the run id in, counters and problems out. */
export type RiskCall = (
  ctx: StepContext,
  req: { cells: { portfolioId: string; dates: string[] }[]; runId: string },
) => Promise<RiskComputeResponse>;

/**
 * A chunked, portfolio-scoped step on the risk service (phases 3–6), shaped like phase 2: per date
 * chunk calls with the chunk's cells cut into items of portfolios (spread over the risk replicas) (each portfolio only on the dates the run computes for it)
 * and the run id (the risk service may reuse the inputs it read for the run's earlier chunks). The
 * risk service replaces the rows of the cells it computes, so a retried call is idempotent.
 * `after`: the phases whose rows it reads (see PhaseStep.after).
 */
export function riskChunkStep(phase: RiskChunkPhase, after: readonly Phase[], call: RiskCall): PhaseStep {
  return {
    phase,
    after,
    scope: "portfolios",
    shape: "date_chunks",
    deadlineMs: 15 * 60_000,
    retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
    run: (ctx, chunk) => runRiskChunk(ctx, phase, call, chunk.dates),
  };
}

/**
 * One chunk of a risk phase: calls the risk service with the chunk's cells and folds its counters
 * and problems into the phase record.
 *
 * Inputs are the portfolios with cells (counted once, like phase 2) as soon as the risk service
 * reports an eligible input for any chunk (a position, a return series, a pair, ...) or answers a
 * chunk with neither a row nor a typed skip: cells with nothing eligible (e.g. only PRIVATE
 * positions) are counted skips (NOT_ELIGIBLE), not "inputs with no output", but nothing written
 * must always be explained. The runner fails a phase whose inputs produced no row over the whole run.
 */
async function runRiskChunk(ctx: StepContext, phase: RiskChunkPhase, call: RiskCall, dates: readonly string[]): Promise<StepOutcome> {
  if (ctx.cancelled()) throw new RunCancelledError();
  const cells = cellsInChunk(ctx.scope.cells, dates);
  if (cells.length === 0) return {};
  const results = await fanOutCells(ctx, phase, cells, (item) => call(ctx, { cells: item, runId: ctx.runId }));
  const c = ctx.record.counters;
  for (const res of results) {
    const outputs = Number(res.counters?.outputs ?? 0n);
    const unexplained = outputs === 0 && !(res.counters?.skipped ?? []).some((s) => s.count > 0n);
    if (c.inputs > 0 || Number(res.counters?.inputs ?? 0n) > 0 || unexplained) c.inputs = ctx.scope.cells.byPortfolio.size;
    c.outputs += outputs;
    for (const s of res.counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
  }
  for (const res of results) for (const p of res.problems) await recordProblem(ctx, phase, p);
  return {};
}

/** Activity-log warnings per phase and run; further problems are only recorded on the run. */
export const MAX_PROBLEM_WARNINGS = 20;

/** Warnings already written per phase record (a record lives as long as its run). */
const warned = new WeakMap<object, number>();

/**
 * A data-quality problem (e.g. NO_COVERAGE: a portfolio with eligible positions and no beta for a
 * factor on a date) is recorded on the run, which then ends `completed_with_warnings` listing it,
 * and shown as a warning in the activity log. A date-specific problem can recur on every date of a
 * backfill (254 dates × 12 factors), so the log gets the first {@link MAX_PROBLEM_WARNINGS} and one
 * line saying where the rest are; the run record keeps them all (up to its own cap, the rest counted).
 */
async function recordProblem(ctx: StepContext, phase: RiskChunkPhase, p: SymbolProblem): Promise<void> {
  if (!ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date })) return;
  const n = (warned.get(ctx.record) ?? 0) + 1;
  warned.set(ctx.record, n);
  const name = phaseInfo(phase).name;
  if (n <= MAX_PROBLEM_WARNINGS) await ctx.reporter.warn(`${name}: ${p.symbol}: ${p.message}`, { symbol: p.symbol, date: p.date, phase });
  else if (n === MAX_PROBLEM_WARNINGS + 1) {
    await ctx.reporter.warn(`${name}: more data-quality problems; every one is listed in the run record (GetRun; sigma runs --json)`, {
      phase,
    });
  }
}
