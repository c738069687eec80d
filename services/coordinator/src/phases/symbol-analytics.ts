import type { Client } from "@connectrpc/connect";
import { type FactorService, type PhaseCounters, Phase, type SymbolProblem } from "@sigma/contracts";
import { withCorrelation } from "@sigma/runtime";
import { addSkip } from "../domain/run-record.js";
import { RunCancelledError, type PhaseContext } from "./phase-context.js";

/** Which symbol-level analytics phase a step runs. */
export type SymbolPhase = Phase.SYMBOL_FACTORS | Phase.SYMBOL_METRICS;

/** Inputs of one chunk of phase 1.5 or 1.75. */
export interface SymbolChunkInput {
  symbols: string[];
  dates: string[];
  timeoutMs: number;
}

/**
 * Runs one date chunk of phase 1.5 (symbol factor betas) or 1.75 (symbol metrics) on the factor
 * service and folds its counters and problems into the phase record. The factor service fails
 * the call (FAILED_PRECONDITION) when symbols with prices produced no row, so an empty phase can
 * never pass as a success. Inputs are the run's symbols (counted once); outputs and skips add up
 * over chunks. Returns the regressions fitted (phase 1.5; 0 for metrics).
 */
export async function runSymbolAnalyticsChunk(
  ctx: PhaseContext,
  factor: Client<typeof FactorService>,
  phase: SymbolPhase,
  input: SymbolChunkInput,
  seenProblems: Set<string>,
): Promise<{ fits: number }> {
  if (ctx.cancelled()) throw new RunCancelledError();
  // The run id lets the factor service reuse the prices it loaded for the run's earlier chunks.
  const req = { symbols: input.symbols, startDate: input.dates[0]!, endDate: input.dates.at(-1)!, runId: ctx.runId };
  const opts = { signal: ctx.signal, timeoutMs: input.timeoutMs };
  // The run id and phase travel as headers, so the factor service's log lines for this call carry them.
  const res = await withCorrelation({ runId: ctx.runId, phase: Phase[phase] }, () =>
    phase === Phase.SYMBOL_FACTORS ? factor.computeSymbolFactors(req, opts) : factor.computeSymbolMetrics(req, opts),
  );
  fold(ctx, res.counters, input.symbols.length);
  for (const p of res.problems) await recordProblem(ctx, p, seenProblems, phase);
  return { fits: "fits" in res ? Number(res.fits) : 0 };
}

function fold(ctx: PhaseContext, counters: PhaseCounters | undefined, symbols: number): void {
  const c = ctx.record.counters;
  c.inputs = symbols;
  c.outputs += Number(counters?.outputs ?? 0n);
  for (const s of counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
}

async function recordProblem(ctx: PhaseContext, p: SymbolProblem, seen: Set<string>, phase: SymbolPhase): Promise<void> {
  const key = `${phase}:${p.symbol}:${p.reason}:${p.message}`;
  if (seen.has(key)) return;
  seen.add(key);
  ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date });
  await ctx.reporter.warn(`${p.symbol}: ${p.message}`, { symbol: p.symbol, date: p.date, phase });
}
