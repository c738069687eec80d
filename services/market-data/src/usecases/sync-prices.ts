import { SkipReason, SymbolStatus } from "@sigma/contracts";
import type { Logger } from "pino";
import { type Clock, previousTradingDay } from "@sigma/calendar";
import {
  coverageAfterFetch,
  coverageBefore,
  type DailyBar,
  type DateRange,
  type PriceProvider,
  ProviderError,
  planMissingRanges,
  type RejectedBar,
  screenBars,
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
  /** Provider rows of the range that were not stored, by reason (BAD_PRICE, FUTURE_DATE); zero counts omitted. */
  rowsSkipped: { reason: SkipReason; count: number }[];
  /** Data-quality problems of this symbol for the run record (see {@link MAX_ROW_PROBLEMS_PER_SYMBOL}). */
  problems: { symbol: string; reason: SkipReason; message: string; date: string }[];
}

/** Rejected rows listed one by one per symbol; the rest are summed up in one more problem. */
export const MAX_ROW_PROBLEMS_PER_SYMBOL = 20;

/** What one sync needs. */
export interface SyncDeps {
  store: PriceStore;
  provider: PriceProvider;
  logger: Logger;
  /** Symbols fetched in parallel (the provider's own rate limiter still applies). */
  concurrency: number;
  /** "Today" for the future-date check (SIGMA_AS_OF pins it). */
  clock: Pick<Clock, "today">;
}

type Fetched =
  | {
      kind: "ok";
      symbol: string;
      bars: DailyBar[];
      covered: DateRange[];
      requests: number;
      rejected: RejectedBar[];
      futureRows: number;
      firstFutureDate: string | undefined;
    }
  | { kind: "up_to_date"; symbol: string }
  | { kind: "unavailable"; symbol: string; reason: string; requests: number }
  | { kind: "failed"; symbol: string; message: string; requests: number };

/**
 * Brings stored prices for `symbols` up to date over [start, end]: only ranges not yet asked of
 * the provider are fetched (all of them with `force`), bars are written in one bulk upsert, and
 * every symbol gets a typed outcome. A symbol the provider does not know is UNAVAILABLE, not an
 * error; a provider failure after its retries is FAILED for that symbol only.
 *
 * Rows are screened before storing: a row with an unusable close (not a positive, finite number) is
 * rejected as BAD_PRICE and a row dated after the clock's today is skipped as FUTURE_DATE; both are
 * counted per symbol and listed as problems. Coverage stops before the first rejected date so a
 * corrected source is read again by the next sync. A symbol left with no stored prices in the range
 * because all its rows were rejected is UNAVAILABLE (BAD_PRICE), and recorded unavailable.
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
  // Nothing after today is settled, whatever the provider.
  const today = deps.clock.today();
  const providerSettled = provider.kind === "http" ? previousTradingDay(req.end) : req.end;
  const settledThrough = earlierDate(providerSettled, today);

  const fetchOne = async (symbol: string): Promise<Fetched> => {
    const ranges = req.force ? [{ start: req.start, end: req.end }] : planMissingRanges(coverage.get(symbol) ?? [], req.start, req.end);
    if (ranges.length === 0) return { kind: "up_to_date", symbol };
    const bars: DailyBar[] = [];
    const covered: DateRange[] = [];
    const rejected: RejectedBar[] = [];
    let futureRows = 0;
    let firstFutureDate: string | undefined;
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
        const screened = screenBars(res.status === "ok" ? res.bars : [], res.status === "ok" ? (res.rejected ?? []) : [], today);
        bars.push(...screened.bars);
        rejected.push(...screened.rejected);
        futureRows += screened.futureRows;
        if (screened.firstFutureDate !== undefined && (firstFutureDate === undefined || screened.firstFutureDate < firstFutureDate)) {
          firstFutureDate = screened.firstFutureDate;
        }
        let c = coverageAfterFetch(r, screened.bars.at(-1)?.date, settledThrough);
        const firstRejected = screened.rejected[0]?.date;
        if (c && firstRejected !== undefined) c = coverageBefore(c, firstRejected);
        if (c) covered.push(c);
      }
    } catch (err) {
      if (err instanceof ProviderError) {
        logger.warn({ symbol, err }, "provider failed for symbol");
        return { kind: "failed", symbol, message: err.message, requests };
      }
      throw err;
    }
    return { kind: "ok", symbol, bars, covered, requests, rejected, futureRows, firstFutureDate };
  };

  const fetched = await mapWithConcurrency(req.symbols, deps.concurrency, fetchOne);

  const toWrite: { symbol: string; bar: DailyBar }[] = [];
  const covered: { symbol: string; start: string; end: string }[] = [];
  for (const f of fetched) {
    if (f.kind !== "ok") continue;
    for (const bar of f.bars) toWrite.push({ symbol: f.symbol, bar });
    for (const r of f.covered) covered.push({ symbol: f.symbol, start: r.start, end: r.end });
  }
  await store.writeBars(toWrite);
  const spans = await store.storedSpan(req.symbols, req.start, req.end);
  const availability: { symbol: string; unavailable: boolean; reason: string }[] = [];
  for (const f of fetched) {
    if (f.kind === "ok") {
      const onlyBad = !spans.has(f.symbol) && f.rejected.length > 0;
      availability.push({ symbol: f.symbol, unavailable: onlyBad, reason: onlyBad ? allRejectedMessage(f, req) : "" });
    } else if (f.kind === "unavailable") {
      availability.push({ symbol: f.symbol, unavailable: true, reason: f.reason });
    }
  }
  await store.recordSync(covered, availability, new Date());

  return fetched.map((f): SymbolSyncOutcome => {
    const span = spans.get(f.symbol);
    const base = {
      symbol: f.symbol,
      firstDate: span?.first ?? "",
      lastDate: span?.last ?? "",
      requests: "requests" in f ? f.requests : 0,
      ...(f.kind === "ok" ? rowProblems(f, today) : { rowsSkipped: [], problems: [] }),
    };
    switch (f.kind) {
      case "unavailable":
        return { ...base, status: SymbolStatus.UNAVAILABLE, rowsFetched: 0, reason: SkipReason.SYMBOL_UNAVAILABLE, message: f.reason };
      case "failed":
        return { ...base, status: SymbolStatus.FAILED, rowsFetched: 0, reason: SkipReason.PROVIDER_ERROR, message: f.message };
      case "ok":
      case "up_to_date": {
        if (!span && f.kind === "ok" && f.rejected.length > 0) {
          return {
            ...base,
            status: SymbolStatus.UNAVAILABLE,
            rowsFetched: 0,
            reason: SkipReason.BAD_PRICE,
            message: allRejectedMessage(f, req),
          };
        }
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

/** The earlier of two "YYYY-MM-DD" dates (string order is date order). */
function earlierDate(a: string, b: string): string {
  if (b < a) return b;
  return a;
}

type FetchedOk = Extract<Fetched, { kind: "ok" }>;

/** "file:line: SYM DATE: problem" (or without the location for providers without a file). */
function rejectedMessage(symbol: string, r: RejectedBar): string {
  return `${r.location ? `${r.location}: ` : ""}${symbol} ${r.date}: ${r.problem}`;
}

function allRejectedMessage(f: FetchedOk, req: { start: string; end: string }): string {
  return `no usable prices between ${req.start} and ${req.end}: all ${f.rejected.length} row(s) rejected, first ${rejectedMessage(f.symbol, f.rejected[0]!)}`;
}

/** The skipped-row counts and problems of one fetched symbol. */
function rowProblems(f: FetchedOk, today: string): Pick<SymbolSyncOutcome, "rowsSkipped" | "problems"> {
  const rowsSkipped: SymbolSyncOutcome["rowsSkipped"] = [];
  const problems: SymbolSyncOutcome["problems"] = [];
  if (f.rejected.length > 0) {
    rowsSkipped.push({ reason: SkipReason.BAD_PRICE, count: f.rejected.length });
    for (const r of f.rejected.slice(0, MAX_ROW_PROBLEMS_PER_SYMBOL)) {
      problems.push({ symbol: f.symbol, reason: SkipReason.BAD_PRICE, date: r.date, message: rejectedMessage(f.symbol, r) });
    }
    const more = f.rejected.length - MAX_ROW_PROBLEMS_PER_SYMBOL;
    if (more > 0) {
      problems.push({
        symbol: f.symbol,
        reason: SkipReason.BAD_PRICE,
        date: "",
        message: `${f.symbol}: ${more} more rejected row(s) not listed`,
      });
    }
  }
  if (f.futureRows > 0) {
    rowsSkipped.push({ reason: SkipReason.FUTURE_DATE, count: f.futureRows });
    problems.push({
      symbol: f.symbol,
      reason: SkipReason.FUTURE_DATE,
      date: f.firstFutureDate ?? "",
      message: `${f.symbol}: ${f.futureRows} row(s) dated after today (${today}) skipped, the first on ${f.firstFutureDate}`,
    });
  }
  return { rowsSkipped, problems };
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
