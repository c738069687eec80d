import { type PhaseCounters, Phase, type SymbolProblem } from "@sigma/contracts";
import { Code, ConnectError } from "@connectrpc/connect";
import { addSkip } from "../domain/run-record.js";
import { fanOut, splitItems } from "../runner/fan-out.js";
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
    // Reads prices only (phase 1, before the chunk loop): 1.5 and 1.75 run a chunk side by side.
    after: [],
    deadlineMs: 15 * 60_000,
    retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
    run: (ctx, chunk) => runSymbolAnalyticsChunk(ctx, phase, chunk.dates),
  };
}

/**
 * Runs one date chunk of phase 1.5 (symbol factor betas) or 1.75 (symbol metrics) on the factor
 * service and folds its counters and problems into the phase record. The chunk's symbols are cut
 * into items of `ctx.items.symbols` symbols, `ctx.items.concurrency` of them in flight at once, so
 * every factor replica behind a balanced peer URL takes a share; an item is one idempotent call
 * (the service replaces its symbol-date rows), so an item redone after a replica died writes the
 * same rows. The factor service fails a call (FAILED_PRECONDITION) when symbols with prices and
 * enough history produced no row; too little history is a counted INSUFFICIENT_HISTORY skip, and
 * the runner fails a phase that produced no row over the whole run. Inputs are the run's symbols
 * (counted once); outputs and skips add up over items and chunks; problems are recorded in item
 * order once every item succeeded.
 */
async function runSymbolAnalyticsChunk(ctx: StepContext, phase: SymbolPhase, dates: readonly string[]): Promise<StepOutcome> {
  if (ctx.cancelled()) throw new RunCancelledError();
  const opts = { signal: ctx.signal, timeoutMs: ctx.timeoutMs };
  const items = splitItems(ctx.scope.symbols, ctx.items.symbols);
  const results = await fanOut(
    items,
    async (symbols) => {
      // The run id lets the factor service reuse the prices it loaded for this item in earlier chunks.
      const req = { symbols, startDate: dates[0]!, endDate: dates.at(-1)!, runId: ctx.runId };
      const res =
        phase === Phase.SYMBOL_FACTORS
          ? await ctx.services.factor.computeSymbolFactors(req, opts)
          : await ctx.services.factor.computeSymbolMetrics(req, opts);
      return { counters: res.counters, problems: res.problems, fits: "fits" in res ? Number(res.fits) : 0 };
    },
    {
      concurrency: ctx.items.concurrency,
      cancelled: ctx.cancelled,
      signal: ctx.signal,
      retry: ITEM_RETRY,
      onRetry: (i, attempt, err) =>
        ctx.reporter.warn(`item ${i + 1}/${items.length} (${items[i]!.length} symbols): ${describeError(err)}; retry ${attempt}`, {
          phase,
        }),
    },
  );
  ctx.record.counters.inputs = ctx.scope.symbols.length;
  let fits = 0;
  for (const r of results) {
    fold(ctx, r.counters);
    fits += r.fits;
  }
  for (const r of results) for (const p of r.problems) await recordProblem(ctx, p, phase);
  return { fits };
}

/** An item answered UNAVAILABLE (e.g. its replica is shutting down) is redone, on another replica. */
const ITEM_RETRY = retryOnCodes(3, 500, ...TRANSIENT_CODES);

function describeError(err: unknown): string {
  return err instanceof ConnectError ? `${Code[err.code]}: ${err.rawMessage}` : String(err);
}

function fold(ctx: StepContext, counters: PhaseCounters | undefined): void {
  const c = ctx.record.counters;
  c.outputs += Number(counters?.outputs ?? 0n);
  for (const s of counters?.skipped ?? []) addSkip(c, s.reason, Number(s.count));
}

async function recordProblem(ctx: StepContext, p: SymbolProblem, phase: SymbolPhase): Promise<void> {
  // A symbol's gap recurs in every chunk: reported once per run.
  if (!ctx.problem({ symbol: p.symbol, reason: p.reason, message: p.message, date: p.date })) return;
  await ctx.reporter.warn(`${p.symbol}: ${p.message}`, { symbol: p.symbol, date: p.date, phase });
}
