import { FACTOR_ETFS, Phase, SkipReason, SymbolStatus } from "@sigma/contracts";
import { addSkip } from "../domain/run-record.js";
import {
  PhaseFailedError,
  type PhaseStep,
  RunCancelledError,
  retryOnCodes,
  type StepChunk,
  type StepContext,
  TRANSIENT_CODES,
} from "./step.js";

/** Phase 1 (Market Data Collection): one incremental sync over the whole range plus its price history. */
export const marketDataStep: PhaseStep = {
  phase: Phase.MARKET_DATA,
  scope: "symbols",
  shape: "whole_range",
  // A universe sync of a few thousand symbols from a remote provider takes minutes, not hours.
  deadlineMs: 60 * 60_000,
  // SyncPrices is idempotent (incremental, per symbol), so a call the peer refused can be repeated.
  retry: retryOnCodes(3, 1000, ...TRANSIENT_CODES),
  unit: "symbols",
  async run(ctx, chunk) {
    const out = await runMarketDataPhase(ctx, chunk);
    return { scope: { symbols: out.available } };
  },
};

/**
 * Phase 1 (Market Data Collection): resolves the symbol scope (empty = the whole universe; the factor
 * ETFs are always added), then syncs prices in batches over [historyStartDate, endDate] (incremental at the provider side), reporting progress per
 * batch and an activity warning per unavailable symbol. Fails when symbols were in scope and
 * none has prices.
 */
async function runMarketDataPhase(ctx: StepContext, chunk: StepChunk): Promise<{ available: string[]; unavailable: string[] }> {
  const marketData = ctx.services.marketData;
  // A retried call starts over: counters describe the last attempt only.
  ctx.record.counters = { inputs: 0, outputs: 0, skipped: {} };
  const counters = ctx.record.counters;
  let symbols = [...ctx.scope.symbols];
  if (ctx.scope.universe || symbols.length === 0) {
    // A universe run also covers the portfolios' symbols the universe may not list.
    const listed = await marketData.listSymbols({ includeFactorEtfs: true }, { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
    symbols = [...listed.symbols.map((s) => s.symbol), ...symbols];
  }
  // Factor ETFs are part of every scope (SPEC §3); listing them explicitly keeps the totals honest.
  symbols = [...new Set([...FACTOR_ETFS, ...symbols])];
  const batches: string[][] = [];
  for (let i = 0; i < symbols.length; i += ctx.syncBatchSize) batches.push(symbols.slice(i, i + ctx.syncBatchSize));
  await ctx.reporter.phaseStarted(Phase.MARKET_DATA, symbols.length, "symbols");

  const available: string[] = [];
  const unavailable: string[] = [];
  const seen = new Set<string>();
  let done = 0;
  for (const batch of batches) {
    if (ctx.cancelled()) throw new RunCancelledError();
    const res = await marketData.syncPrices(
      { symbols: batch, startDate: chunk.historyStartDate, endDate: chunk.dates.at(-1)!, force: ctx.force, includeFactorEtfs: false },
      { signal: ctx.signal, timeoutMs: ctx.timeoutMs },
    );
    for (const r of res.results) {
      if (seen.has(r.symbol)) continue;
      seen.add(r.symbol);
      counters.inputs += 1;
      switch (r.status) {
        case SymbolStatus.FETCHED:
        case SymbolStatus.UP_TO_DATE:
          counters.outputs += 1;
          available.push(r.symbol);
          if (r.status === SymbolStatus.UP_TO_DATE) addSkip(counters, SkipReason.UP_TO_DATE);
          break;
        case SymbolStatus.UNAVAILABLE: {
          unavailable.push(r.symbol);
          const reason = r.reason || SkipReason.SYMBOL_UNAVAILABLE;
          addSkip(counters, reason);
          const why = r.message || "unknown to the provider";
          ctx.problem({ symbol: r.symbol, reason, message: `symbol unavailable (${why})`, date: "" });
          await ctx.reporter.warn(`${r.symbol}: symbol unavailable (${why})`, { symbol: r.symbol, phase: Phase.MARKET_DATA });
          break;
        }
        default: {
          unavailable.push(r.symbol);
          addSkip(counters, SkipReason.PROVIDER_ERROR);
          ctx.problem({ symbol: r.symbol, reason: SkipReason.PROVIDER_ERROR, message: r.message || "provider error", date: "" });
          await ctx.reporter.warn(`${r.symbol}: price fetch failed (${r.message || "provider error"})`, {
            symbol: r.symbol,
            phase: Phase.MARKET_DATA,
          });
        }
      }
    }
    done += batch.length;
    await ctx.reporter.phaseProgress(Phase.MARKET_DATA, done, symbols.length, "symbols");
  }
  const total = counters.inputs;
  const pct = total ? Math.round((100 * available.length) / total) : 100;
  ctx.record.summary = `${available.length}/${total} symbols (${pct}% coverage)`;
  if (total > 0 && available.length === 0) {
    throw new PhaseFailedError(`market data: ${total} symbols in scope and none has prices`);
  }
  return { available, unavailable };
}
