/**
 * Phase 1.75 use case: per symbol-date metrics (SPEC §3 symbol metrics, §3.1 "Metrics").
 *
 * Pure: calendar-aligned closes in, a columnar table out (NaN = null, i.e. too little history). Dates
 * without a close on t produce no row and count as NO_CLOSE.
 */
import { kDayReturns, periodToDateReturns, rollingDrawdown, rollingRealizedVol, rsiSeries, simpleReturns, smaSeries } from "@sigma/quant";
import { closesOf, dateRange, hasAnyClose } from "./calendar-range.js";
import type { SkipReason, SymbolProblem } from "./factor-ids.js";

/** Metric keys (JSON / column names), in storage order. */
export const METRIC_KEYS = [
  "return_1d",
  "return_5d",
  "return_21d",
  "return_63d",
  "return_252d",
  "return_mtd",
  "return_ytd",
  "realized_vol_21d",
  "realized_vol_63d",
  "rsi_14",
  "sma_50",
  "sma_200",
  "drawdown_252d",
] as const;

/** A metric key. */
export type MetricKey = (typeof METRIC_KEYS)[number];

/** Input of {@link computeSymbolMetrics}. */
export interface SymbolMetricsInput {
  /** Trading calendar, ISO dates strictly ascending; history before startDate feeds the windows. */
  dates: readonly string[];
  /** symbol → closes aligned to `dates` (NaN = no close). */
  closes: ReadonlyMap<string, Float64Array>;
  symbols: readonly string[];
  startDate: string;
  endDate: string;
}

/** Columnar metrics: row r is (symbol[r], date[r]); columns[key][r] is the value, NaN meaning null. */
export interface SymbolMetricsTable {
  rowCount: number;
  symbol: string[];
  date: string[];
  columns: Record<MetricKey, Float64Array>;
}

/** Output of {@link computeSymbolMetrics}. */
export interface SymbolMetricsResult {
  table: SymbolMetricsTable;
  /** NO_CLOSE counts symbol-dates without a close; NO_PRICES counts symbols. */
  skips: Record<SkipReason, number>;
  problems: SymbolProblem[];
}

/**
 * Full-length metric series of one symbol (length T, NaN = null). Every value but RSI is a function of
 * its own window's closes only (bit-identical across ranges and history starts); RSI follows SPEC §3.1
 * and runs over all available closes (see rsiSeries).
 *
 * @param from first calendar index the caller stores (default 0): the O(N)-per-date SMAs skip earlier
 *   dates and leave them NaN; every other series is filled over the whole calendar.
 */
export function metricSeries(closes: Float64Array, dates: readonly string[], from = 0): Record<MetricKey, Float64Array> {
  const r = simpleReturns(closes);
  return {
    return_1d: kDayReturns(closes, 1),
    return_5d: kDayReturns(closes, 5),
    return_21d: kDayReturns(closes, 21),
    return_63d: kDayReturns(closes, 63),
    return_252d: kDayReturns(closes, 252),
    return_mtd: periodToDateReturns(closes, dates, "month"),
    return_ytd: periodToDateReturns(closes, dates, "year"),
    realized_vol_21d: rollingRealizedVol(r, 21),
    realized_vol_63d: rollingRealizedVol(r, 63),
    rsi_14: rsiSeries(closes, 14),
    sma_50: smaSeries(closes, 50, from),
    sma_200: smaSeries(closes, 200, from),
    drawdown_252d: rollingDrawdown(closes, 252),
  };
}

/**
 * Compute the metrics of every symbol on every calendar date in [startDate, endDate] that has a close.
 *
 * Edge rules: k-day returns use the close exactly k trading dates back; MTD/YTD anchor on the last close
 * strictly before the month/year; realized vol needs all k returns (sample std × √252); SMA(50/200)
 * averages the last 50/200 available closes (direct sum, window-local); RSI(14) runs over all available
 * closes (technicalindicators, rounded to 2 decimals), so it alone depends on the loaded history start;
 * drawdown uses the 252 calendar dates ending t and is null unless all have a close.
 *
 * @throws FactorInputError on a malformed calendar or range, or closes of the wrong length.
 */
export function computeSymbolMetrics(input: SymbolMetricsInput): SymbolMetricsResult {
  const { dates, closes, symbols } = input;
  const T = dates.length;
  const skips: Record<SkipReason, number> = { NO_PRICES: 0, INSUFFICIENT_HISTORY: 0, DEGENERATE_REGRESSOR: 0, NO_CLOSE: 0 };
  const problems: SymbolProblem[] = [];
  const range = dateRange(dates, input.startDate, input.endDate);
  const L = range === null ? 0 : range.to - range.from + 1;
  const cap = symbols.length * L;
  const columns = Object.fromEntries(METRIC_KEYS.map((k) => [k, new Float64Array(cap)])) as Record<MetricKey, Float64Array>;
  const symbolCol: string[] = [];
  const dateCol: string[] = [];
  let rows = 0;
  if (range !== null) {
    for (const sym of symbols) {
      const c = closesOf(closes, sym, T);
      if (c === undefined || !hasAnyClose(c, range.to)) {
        skips.NO_PRICES++;
        problems.push({
          symbol: sym,
          reason: "NO_PRICES",
          detail: c === undefined ? "no price series" : `no close on or before ${dates[range.to]}`,
        });
        continue;
      }
      // the series only depend on closes up to each date, so computing them once over the calendar is causal
      const series = metricSeries(c.subarray(0, range.to + 1), dates.slice(0, range.to + 1), range.from);
      for (let t = range.from; t <= range.to; t++) {
        if (!Number.isFinite(c[t]!)) {
          skips.NO_CLOSE++;
          continue;
        }
        for (const k of METRIC_KEYS) columns[k][rows] = series[k][t]!;
        symbolCol.push(sym);
        dateCol.push(dates[t]!);
        rows++;
      }
    }
  }
  for (const k of METRIC_KEYS) columns[k] = columns[k].slice(0, rows);
  return { table: { rowCount: rows, symbol: symbolCol, date: dateCol, columns }, skips, problems };
}
