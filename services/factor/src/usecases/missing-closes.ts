/**
 * No silent staleness (SPEC §1): a symbol that has prices but no close on some dates of the computed
 * range (a delisting, a provider's unpublished day, a listing inside the range) is reported once per
 * symbol and call as a NO_CLOSE problem, on top of the per-date skip counts. Pure: no I/O.
 */
import type { SymbolProblem } from "../domain/index.js";
import type { AlignedCloses } from "@sigma/prices";

/** A symbol-level problem as the use cases report it; `date` is the first date it concerns, when known. */
export interface ReportedProblem extends SymbolProblem {
  /** ISO date the problem starts (e.g. the first date without a close); absent when not date-specific. */
  date?: string;
}

/**
 * One NO_CLOSE problem per symbol that has at least one close on or before `endDate` in the loaded
 * history but no close on some trading dates of [startDate, endDate]. Message:
 * "no close on N of M dates (last close YYYY-MM-DD)"; `date` is the first date without a close.
 *
 * Symbols absent from `prices`, without any close up to the range end (the domain reports those as
 * NO_PRICES), or listed in `alreadyReported` (one problem per symbol per call) are left out.
 *
 * @param prices closes aligned on the loaded calendar (which may start before `startDate`: the lookback).
 * @param symbols the symbols of the request, in the order problems are returned.
 * @param startDate first output date (ISO), inclusive.
 * @param endDate last output date (ISO), inclusive.
 * @param alreadyReported symbols that already have a problem in this call.
 * @returns the problems in `symbols` order; empty when the range has no calendar date.
 */
export function missingCloseProblems(
  prices: AlignedCloses,
  symbols: readonly string[],
  startDate: string,
  endDate: string,
  alreadyReported: ReadonlySet<string> = new Set(),
): ReportedProblem[] {
  const { dates } = prices;
  const from = dates.findIndex((d) => d >= startDate);
  let to = dates.length - 1;
  while (to >= 0 && dates[to]! > endDate) to--;
  if (from < 0 || from > to) return [];
  const total = to - from + 1;
  const out: ReportedProblem[] = [];
  for (const symbol of symbols) {
    if (alreadyReported.has(symbol)) continue;
    const c = prices.closes.get(symbol);
    if (c === undefined) continue;
    let last = -1;
    for (let i = Math.min(to, c.length - 1); i >= 0; i--) {
      if (Number.isFinite(c[i]!)) {
        last = i;
        break;
      }
    }
    // No close at all up to the range end is NO_PRICES, reported by the domain.
    if (last < 0) continue;
    let missing = 0;
    let first = -1;
    for (let i = from; i <= to; i++) {
      if (Number.isFinite(c[i]!)) continue;
      missing++;
      if (first < 0) first = i;
    }
    if (missing === 0) continue;
    out.push({
      symbol,
      reason: "NO_CLOSE",
      detail: `no close on ${missing} of ${total} dates (last close ${dates[last]})`,
      date: dates[first]!,
    });
  }
  return out;
}
