import { countTradingDays, formatIsoDate, parseIsoDate, toDayNumber, tradingDays } from "@sigma/calendar";
import type { PriceStore } from "../store/price-store.js";

/**
 * Largest range one GetPriceSeries may span: 25 years (end before the same month and day 25 years
 * after start). Sigma's prices start in 2017; the largest legitimate read (a full-history onboarding)
 * is well inside. A request for 0001-01-01..9999-12-31 used to build 349 MB and leave the service at
 * 2.36 GB.
 */
export const MAX_SERIES_YEARS = 25;

/**
 * Largest number of cells (symbols × trading dates) one GetPriceSeries may return: 5,000,000 (about
 * 40 MB of doubles on the wire). The coordinator and factor reads are 1,193 symbols × ~560 dates
 * (0.67 M); a full-history read of that universe since 2017 is ~3 M.
 */
export const MAX_SERIES_CELLS = 5_000_000;

/**
 * Why a series request is too large, or undefined when it is within {@link MAX_SERIES_YEARS} and
 * {@link MAX_SERIES_CELLS}. The span is checked first, from the dates alone, so an absurd range is
 * refused without enumerating its days.
 * @param symbolCount - number of (distinct) symbols asked for.
 * @param start - strict "YYYY-MM-DD", <= end.
 * @throws InvalidDateError for malformed dates.
 */
export function seriesRequestTooLarge(symbolCount: number, start: string, end: string): string | undefined {
  const { year, month, day } = parseIsoDate(start, "start");
  // String order is date order; "YYYY-02-29" of a non-leap year still sorts correctly.
  const limit = formatIsoDate(year + MAX_SERIES_YEARS, month, day);
  if (end >= limit)
    return `the range ${start}..${end} spans more than ${MAX_SERIES_YEARS} years (end must be before ${limit}); ask in pieces`;
  const cells = symbolCount * countTradingDays(start, end);
  if (cells > MAX_SERIES_CELLS) {
    return `${symbolCount} symbols × ${cells / symbolCount} trading dates = ${cells.toLocaleString("en-US")} closes exceeds the limit of ${MAX_SERIES_CELLS.toLocaleString("en-US")} per call; ask for fewer symbols or a shorter range`;
  }
  return undefined;
}

/** Closes of many symbols aligned on the trading dates of a range (NaN = no close). */
export interface AlignedSeries {
  dates: string[];
  series: { symbol: string; closes: Float64Array; empty: boolean }[];
}

/**
 * Reads closes for `symbols` over [start, end] with one query and aligns them on the NYSE
 * trading dates of the range. A stored row on a non-trading date (a provider quirk) is ignored.
 */
export async function readAlignedSeries(store: PriceStore, symbols: readonly string[], start: string, end: string): Promise<AlignedSeries> {
  const dates = tradingDays(start, end);
  const day0 = toDayNumber(start);
  const index = new Map(dates.map((d, i) => [toDayNumber(d) - day0, i]));
  const stored = await store.readCloses(symbols, start, end);
  return {
    dates,
    series: symbols.map((symbol) => {
      const closes = new Float64Array(dates.length).fill(Number.NaN);
      const s = stored.get(symbol);
      let any = false;
      if (s) {
        for (let k = 0; k < s.dayOffsets.length; k++) {
          const i = index.get(s.dayOffsets[k]!);
          if (i !== undefined) {
            closes[i] = s.closes[k]!;
            any = true;
          }
        }
      }
      return { symbol, closes, empty: !any };
    }),
  };
}
