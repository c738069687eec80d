import type { Client } from "@connectrpc/connect";
import { FACTOR_ETFS, type MarketDataService, Phase, SkipReason, SymbolStatus } from "@sigma/contracts";
import { withCorrelation } from "@sigma/runtime";
import { addSkip } from "../domain/run-record.js";
import { PhaseFailedError, RunCancelledError, type PhaseContext } from "./phase-context.js";

/** Inputs of phase 1. */
export interface MarketDataPhaseInput {
  /** Symbols in scope (empty = the whole universe); the factor ETFs are always added by the service. */
  symbols: string[];
  historyStartDate: string;
  endDate: string;
  force: boolean;
  /** Symbols per SyncPrices call (progress granularity). */
  batchSize: number;
  timeoutMs: number;
}

/** Result of phase 1: the symbols that have prices for the run and those that do not. */
export interface MarketDataPhaseOutput {
  available: string[];
  unavailable: string[];
}

/**
 * Phase 1 (Market Data Collection): resolves the symbol scope, then syncs prices in batches
 * over [historyStartDate, endDate] (incremental at the provider side), reporting progress per
 * batch and an activity warning per unavailable symbol. Fails when symbols were in scope and
 * none has prices.
 */
export async function runMarketDataPhase(
  ctx: PhaseContext,
  marketData: Client<typeof MarketDataService>,
  input: MarketDataPhaseInput,
): Promise<MarketDataPhaseOutput> {
  const counters = ctx.record.counters;
  let symbols = input.symbols;
  if (symbols.length === 0) {
    const listed = await marketData.listSymbols({ includeFactorEtfs: true }, { signal: ctx.signal, timeoutMs: input.timeoutMs });
    symbols = listed.symbols.map((s) => s.symbol);
  }
  // Factor ETFs are part of every scope (SPEC §3); listing them explicitly keeps the totals honest.
  symbols = [...new Set([...FACTOR_ETFS, ...symbols])];
  const batches: string[][] = [];
  for (let i = 0; i < symbols.length; i += input.batchSize) batches.push(symbols.slice(i, i + input.batchSize));
  await ctx.reporter.phaseStarted(Phase.MARKET_DATA, symbols.length, "symbols");

  const available: string[] = [];
  const unavailable: string[] = [];
  const seen = new Set<string>();
  let done = 0;
  for (const batch of batches) {
    if (ctx.cancelled()) throw new RunCancelledError();
    // The run id and phase travel as headers, so market data's log lines for this call carry them.
    const res = await withCorrelation({ runId: ctx.runId, phase: Phase[Phase.MARKET_DATA] }, () =>
      marketData.syncPrices(
        { symbols: batch, startDate: input.historyStartDate, endDate: input.endDate, force: input.force, includeFactorEtfs: false },
        { signal: ctx.signal, timeoutMs: input.timeoutMs },
      ),
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
