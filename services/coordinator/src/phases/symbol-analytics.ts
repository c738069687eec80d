import { type PhaseCounters, Phase, type SymbolProblem } from "@sigma/contracts";
import { addSkip } from "../domain/run-record.js";
import { type PhaseStep, RunCancelledError, retryOnCodes, type StepContext, type StepOutcome, TRANSIENT_CODES } from "./step.js";

/** Which symbol-level analytics phase a step runs. */
export type SymbolPhase = Phase.SYMBOL_FACTORS | Phase.SYMBOL_METRICS;

/**
 * A chunked, symbol-scoped step on the factor service (phase 1.5 or 1.75). The factor service
 * replaces the chunk's stored range, so a retried call is idempotent.
 */
export function symbolAnalyticsStep(phase: SymbolPhase): PhaseStep {
  return {
    phase,
    scope: "symbols",
    shape: "date_chunks",
    deadlineMs: 15 * 60_000,
    retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
    run: (ctx, chunk) => runSymbolAnalyticsChunk(ctx, phase, chunk.dates),
  };
}

/**
 * Runs one date chunk of phase 1.5 (symbol factor betas) or 1.75 (symbol metrics) on the factor
 * service and folds its counters and problems into the phase record. The factor service fails the
 * call (FAILED_PRECONDITION) when symbols with prices and enough history produced no row; too little
 * history is a counted INSUFFICIENT_HISTORY skip, and the runner fails a phase that produced no row
 * over the whole run. Inputs are the run's symbols (counted once); outputs and skips add up over
 * chunks.
 */
async function runSymbolAnalyticsChunk(ctx: StepContext, phase: SymbolPhase, dates: readonly string[]): Promise<StepOutcome> {
  if (ctx.cancelled()) throw new RunCancelledError();
  // The run id lets the factor service reuse the prices it loaded for the run's earlier chunks.
  const req = { symbols: [...ctx.scope.symbols], startDate: dates[0]!, endDate: dates.at(-1)!, runId: ctx.runId };
  const opts = { signal: ctx.signal, timeoutMs: ctx.timeoutMs };
  const res =
    phase === Phase.SYMBOL_FACTORS
      ? await ctx.services.factor.computeSymbolFactors(req, opts)
      : await ctx.services.factor.computeSymbolMetrics(req, opts);
  fold(ctx, res.counters, req.symbols.length);
  for (const p of res.problems) await recordProblem(ctx, p, phase);
  return { fits: "fits" in res ? Number(res.fits) : 0 };
}

function fold(ctx: StepContext, counters: PhaseCounters | undefined, symbols: number): void {
  const c = ctx.record.counters;
  c.inputs = symbols;
  c.outputs += Number(counters?.outputs ?? 0n);
  for (const s of counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
}

async function recordProblem(ctx: StepContext, p: SymbolProblem, phase: SymbolPhase): Promise<void> {
  // A symbol's gap recurs in every chunk: reported once per run.
  if (!ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date })) return;
  await ctx.reporter.warn(`${p.symbol}: ${p.message}`, { symbol: p.symbol, date: p.date, phase });
}
