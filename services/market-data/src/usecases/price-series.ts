import { toDayNumber, tradingDays } from "@sigma/calendar";
import type { PriceStore } from "../store/price-store.js";

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
