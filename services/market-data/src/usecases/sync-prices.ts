import { SkipReason, SymbolStatus } from "@sigma/contracts";
import type { Logger } from "pino";
import { previousTradingDay } from "@sigma/calendar";
import {
  coverageAfterFetch,
  type DailyBar,
  type DateRange,
  type PriceProvider,
  ProviderError,
  planMissingRanges,
} from "../domain/index.js";
import type { PriceStore } from "../store/price-store.js";

/** Outcome of syncing one symbol (mirrors sigma.marketdata.v1.SymbolSyncResult). */
export interface SymbolSyncOutcome {
  symbol: string;
  status: SymbolStatus;
  rowsFetched: number;
  firstDate: string;
  lastDate: string;
  reason: SkipReason;
  message: string;
  requests: number;
}

/** What one sync needs. */
export interface SyncDeps {
  store: PriceStore;
  provider: PriceProvider;
  logger: Logger;
  /** Symbols fetched in parallel (the provider's own rate limiter still applies). */
  concurrency: number;
}

type Fetched =
  | { kind: "ok"; symbol: string; bars: DailyBar[]; covered: DateRange[]; requests: number }
  | { kind: "up_to_date"; symbol: string }
  | { kind: "unavailable"; symbol: string; reason: string; requests: number }
  | { kind: "failed"; symbol: string; message: string; requests: number };

/**
 * Brings stored prices for `symbols` up to date over [start, end]: only ranges not yet asked of
 * the provider are fetched (all of them with `force`), bars are written in one bulk upsert, and
 * every symbol gets a typed outcome. A symbol the provider does not know is UNAVAILABLE, not an
 * error; a provider failure after its retries is FAILED for that symbol only.
 */
export async function syncPrices(
  deps: SyncDeps,
  req: { symbols: string[]; start: string; end: string; force: boolean },
  signal?: AbortSignal,
): Promise<SymbolSyncOutcome[]> {
  const { store, provider, logger } = deps;
  const coverage = req.force ? new Map() : await store.coverage(req.symbols, req.start, req.end);
  // Symbols the provider has answered for before, in any range (also with `force`).
  const knownSymbols = await store.knownSymbols(req.symbols);
  // A live feed may not have published the last day's bar yet: only dates before it are settled,
  // so that day stays uncovered and is asked again next time. File-backed providers are complete.
  const settledThrough = provider.kind === "http" ? previousTradingDay(req.end) : req.end;

  const fetchOne = async (symbol: string): Promise<Fetched> => {
    const ranges = req.force ? [{ start: req.start, end: req.end }] : planMissingRanges(coverage.get(symbol) ?? [], req.start, req.end);
    if (ranges.length === 0) return { kind: "up_to_date", symbol };
    const bars: DailyBar[] = [];
    const covered: DateRange[] = [];
    let requests = 0;
    // Coverage is only ever recorded after an `ok` answer, so a covered symbol is one the provider
    // knows. An HTTP feed answers "no bars in this range" (a day not published yet, dates after a
    // delisting) exactly like "unknown symbol"; for a known symbol that means "no bars", not
    // UNAVAILABLE (which would flag e.g. SPY unavailable on every run before the close is out).
    let known = knownSymbols.has(symbol);
    try {
      for (const r of ranges) {
        const res = await provider.fetchDaily(symbol, r.start, r.end, signal);
        requests += res.requests ?? 1;
        if (res.status === "unavailable" && !known) return { kind: "unavailable", symbol, reason: res.reason, requests };
        known = true;
        const got = res.status === "ok" ? res.bars : [];
        bars.push(...got);
        const c = coverageAfterFetch(r, got.at(-1)?.date, settledThrough);
        if (c) covered.push(c);
      }
    } catch (err) {
      if (err instanceof ProviderError) {
        logger.warn({ symbol, err }, "provider failed for symbol");
        return { kind: "failed", symbol, message: err.message, requests };
      }
      throw err;
    }
    return { kind: "ok", symbol, bars, covered, requests };
  };

  const fetched = await mapWithConcurrency(req.symbols, deps.concurrency, fetchOne);

  const toWrite: { symbol: string; bar: DailyBar }[] = [];
  const covered: { symbol: string; start: string; end: string }[] = [];
  const availability: { symbol: string; unavailable: boolean; reason: string }[] = [];
  for (const f of fetched) {
    if (f.kind === "ok") {
      for (const bar of f.bars) toWrite.push({ symbol: f.symbol, bar });
      for (const r of f.covered) covered.push({ symbol: f.symbol, start: r.start, end: r.end });
      availability.push({ symbol: f.symbol, unavailable: false, reason: "" });
    } else if (f.kind === "unavailable") {
      availability.push({ symbol: f.symbol, unavailable: true, reason: f.reason });
    }
  }
  await store.writeBars(toWrite);
  await store.recordSync(covered, availability, new Date());
  const spans = await store.storedSpan(req.symbols, req.start, req.end);

  return fetched.map((f): SymbolSyncOutcome => {
    const span = spans.get(f.symbol);
    const base = { symbol: f.symbol, firstDate: span?.first ?? "", lastDate: span?.last ?? "", requests: "requests" in f ? f.requests : 0 };
    switch (f.kind) {
      case "unavailable":
        return { ...base, status: SymbolStatus.UNAVAILABLE, rowsFetched: 0, reason: SkipReason.SYMBOL_UNAVAILABLE, message: f.reason };
      case "failed":
        return { ...base, status: SymbolStatus.FAILED, rowsFetched: 0, reason: SkipReason.PROVIDER_ERROR, message: f.message };
      case "ok":
      case "up_to_date": {
        if (!span) {
          return {
            ...base,
            status: SymbolStatus.UNAVAILABLE,
            rowsFetched: 0,
            reason: SkipReason.NO_PRICES,
            message: `no prices between ${req.start} and ${req.end}`,
          };
        }
        const rows = f.kind === "ok" ? f.bars.length : 0;
        return {
          ...base,
          status: rows > 0 ? SymbolStatus.FETCHED : SymbolStatus.UP_TO_DATE,
          rowsFetched: rows,
          reason: rows > 0 ? SkipReason.UNSPECIFIED : SkipReason.UP_TO_DATE,
          message: "",
        };
      }
    }
  });
}

/** Maps items with at most `limit` promises in flight, preserving order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
