/**
 * Phase 5 (Volatility Analysis) for a chunk of (portfolio, date) cells: the portfolio's snapshot
 * daily_return series and every PUBLIC symbol it holds on those dates, computed with @sigma/quant and
 * stored in one transaction. A symbol held by many portfolios is computed once per run and replica
 * (see run-claims.ts), not once per portfolio or per item.
 */
import { addTradingDays } from "@sigma/calendar";
import type { PriceSource } from "@sigma/prices";
import { portfolioVolatilitySeries, simpleReturns, volatilitySeries } from "@sigma/quant";
import {
  addSkip,
  type CellSet,
  cellList,
  emptyVolRow,
  type PortfolioReturns,
  type PortfolioSource,
  type PortfolioVolRow,
  publicSymbols,
  type SymbolVolRow,
  type VolCorrOutcome,
  volRowAt,
  volRowComputable,
} from "../domain/vol-corr-model.js";
import type { VolCorrStore } from "../store/vol-corr-store.js";
import { type SharedWork, UNSHARED } from "./run-claims.js";

/**
 * Trading days of history read before a call's first date, for portfolios and symbols alike. The
 * longest window is HAR h = 21 (252 training rows + 21 + 20 feature returns = 293 returns, SPEC §3.1
 * "HAR: 252 + 21 + h"); the percentile needs 252 RV21 values (272 returns). 600 leaves room for
 * series with gaps, whose last 252 complete HAR rows reach further back.
 */
export const VOL_LOOKBACK_TRADING_DAYS = 600;

/** What phase 5 needs. */
export interface VolatilityDeps {
  portfolios: PortfolioSource;
  prices: PriceSource;
  store: Pick<VolCorrStore, "replaceVolatility">;
  /** The run's claims on symbol-dates: a symbol-date another call of the run computes is skipped here (default: none shared). */
  shared?: SharedWork;
}

/** Phase 5 outcome with the split of its outputs. */
export interface VolatilityOutcome extends VolCorrOutcome {
  /** Portfolio-date rows with at least one computed analytic. */
  portfolioOutputs: number;
  /** Symbol-date rows with at least one computed analytic. */
  symbolOutputs: number;
  /**
   * Cells with a snapshot but no position marks from GetPositionValueRange (the snapshot service
   * should store marks for every snapshot date): their portfolio row is stored, with no symbols.
   */
  cellsWithoutMarks: number;
}

/** The part of a return series in [start, end] (dates ascending). */
function sliceReturns(r: PortfolioReturns, start: string, end: string): PortfolioReturns {
  let a = 0;
  while (a < r.dates.length && r.dates[a]! < start) a++;
  let b = a;
  while (b < r.dates.length && r.dates[b]! <= end) b++;
  return { dates: r.dates.slice(a, b), dailyReturn: r.dailyReturn.slice(a, b) };
}

/**
 * Computes and stores phase 5 for the cells.
 *
 * Counters: inputs = cells; outputs = portfolio rows + symbol rows with at least one value (split in
 * portfolioOutputs / symbolOutputs). Skips: NO_SNAPSHOT per cell without a snapshot (its stored row is
 * removed); INSUFFICIENT_HISTORY per portfolio cell or symbol-date whose series is too short for any
 * analytic (the row is stored with NULLs, so the report says "not computable"); NO_PRICES per
 * symbol-date of a symbol without any close in the read range (also one problem per symbol).
 *
 * @throws whatever the snapshot service, the price source or the store throws (nothing is written then).
 */
export async function computeVolatility(deps: VolatilityDeps, cells: CellSet, signal?: AbortSignal): Promise<VolatilityOutcome> {
  const out: VolatilityOutcome = {
    inputs: cells.count,
    outputs: 0,
    skipped: {},
    problems: [],
    portfolioOutputs: 0,
    symbolOutputs: 0,
    cellsWithoutMarks: 0,
  };
  const portfolioIds = [...cells.byPortfolio.keys()];

  // Portfolio series: one read for every portfolio of the call over the widest range, then each
  // portfolio's own range (its dates plus the lookback), exactly what a read per portfolio returns.
  const ranges = portfolioIds.map((id) => {
    const dates = cells.byPortfolio.get(id)!;
    return { start: addTradingDays(dates[0]!, -VOL_LOOKBACK_TRADING_DAYS), end: dates.at(-1)! };
  });
  const all = await deps.portfolios.returnSeries(
    portfolioIds,
    ranges.reduce((m, r) => (r.start < m ? r.start : m), ranges[0]!.start),
    cells.maxDate,
    signal,
  );
  const series = portfolioIds.map((id, k) => {
    const dates = cells.byPortfolio.get(id)!;
    const r = sliceReturns(all.get(id) ?? { dates: [], dailyReturn: new Float64Array(0) }, ranges[k]!.start, ranges[k]!.end);
    // The first snapshot read is either the portfolio's first (its 0 is not a return) or the edge of
    // the lookback, far enough back not to change any requested date's analytics.
    const index = new Map(r.dates.map((d, i) => [d, i]));
    // Only the requested dates' forecasts are computed (the lookback feeds them, it is not reported).
    const from = Math.max(
      0,
      r.dates.findIndex((d) => d >= dates[0]!),
    );
    return { r, vol: portfolioVolatilitySeries(r.dailyReturn, undefined, from), index };
  });
  const marks = await deps.portfolios.positionMarks(portfolioIds, cells.minDate, cells.maxDate, signal);
  const marksOf = new Map(marks.map((m) => [`${m.portfolioId}|${m.date}`, m]));

  const portfolioRows: PortfolioVolRow[] = [];
  const symbolDates = new Map<string, Set<string>>();
  portfolioIds.forEach((id, k) => {
    const s = series[k]!;
    for (const date of cells.byPortfolio.get(id)!) {
      const t = s.index.get(date);
      if (t === undefined) {
        addSkip(out, "NO_SNAPSHOT");
        continue;
      }
      const dayMarks = marksOf.get(`${id}|${date}`);
      if (!dayMarks) out.cellsWithoutMarks++;
      const symbols = publicSymbols(dayMarks);
      for (const sym of symbols) {
        let ds = symbolDates.get(sym);
        if (!ds) symbolDates.set(sym, (ds = new Set()));
        ds.add(date);
      }
      const stats = volRowAt(s.vol, t);
      if (volRowComputable(stats)) out.portfolioOutputs++;
      else addSkip(out, "INSUFFICIENT_HISTORY");
      portfolioRows.push({ portfolioId: id, date, stats, symbols });
    }
  });

  // Symbol-dates are shared by every portfolio holding the symbol: compute only those no other call
  // of the run has claimed (keys "symbol|date"); release them if this call fails.
  const shared = deps.shared ?? UNSHARED;
  const claimed = shared.claim([...symbolDates].flatMap(([sym, ds]) => [...ds].map((d) => `${sym}|${d}`)));
  try {
    return await computeAndStore(deps, cells, out, portfolioRows, claimedSymbolDates(claimed), signal);
  } catch (err) {
    shared.release(claimed);
    throw err;
  }
}

/** "symbol|date" keys back into symbol → dates. */
function claimedSymbolDates(keys: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const k of keys) {
    const i = k.lastIndexOf("|");
    const sym = k.slice(0, i);
    let ds = out.get(sym);
    if (!ds) out.set(sym, (ds = new Set()));
    ds.add(k.slice(i + 1));
  }
  return out;
}

/** The symbol part of phase 5 (one price read, one pass per symbol) and the one transactional write. */
async function computeAndStore(
  deps: VolatilityDeps,
  cells: CellSet,
  out: VolatilityOutcome,
  portfolioRows: PortfolioVolRow[],
  symbolDates: Map<string, Set<string>>,
  signal: AbortSignal | undefined,
): Promise<VolatilityOutcome> {
  const symbolRows: SymbolVolRow[] = [];
  const symbols = [...symbolDates.keys()].sort();
  if (symbols.length > 0) {
    const start = addTradingDays(cells.minDate, -VOL_LOOKBACK_TRADING_DAYS);
    const prices = await deps.prices.closes(symbols, start, cells.maxDate, signal);
    const index = new Map(prices.dates.map((d, i) => [d, i]));
    for (const sym of symbols) {
      const closes = prices.closes.get(sym);
      const dates = [...symbolDates.get(sym)!].sort();
      if (!closes?.some(Number.isFinite)) {
        addSkip(out, "NO_PRICES", dates.length);
        out.problems.push({ symbol: sym, reason: "NO_PRICES", message: `no close in ${start}..${cells.maxDate}`, date: dates[0]! });
        for (const date of dates) symbolRows.push({ symbol: sym, date, stats: emptyVolRow() });
        continue;
      }
      // One pass over the symbol's whole series serves every portfolio and date of the call.
      const vol = volatilitySeries(simpleReturns(closes), undefined, Math.max(0, index.get(dates[0]!) ?? 0));
      for (const date of dates) {
        const t = index.get(date);
        const stats = t === undefined ? emptyVolRow() : volRowAt(vol, t);
        if (volRowComputable(stats)) out.symbolOutputs++;
        else addSkip(out, "INSUFFICIENT_HISTORY");
        symbolRows.push({ symbol: sym, date, stats });
      }
    }
  }

  await deps.store.replaceVolatility(cellList(cells), portfolioRows, symbolRows);
  out.outputs = out.portfolioOutputs + out.symbolOutputs;
  return out;
}
