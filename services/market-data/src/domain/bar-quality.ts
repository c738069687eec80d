/**
 * Which daily bars may be stored. A close that is not a positive, finite number would poison every
 * return and factor computed from it (a close of −5 changed 163 factor and 163 metric rows in one
 * run), so such a bar is rejected with a reason instead of stored. The other fields must at least be
 * finite: nothing downstream reads them, but a stored NaN is never useful.
 */
import type { DailyBar, RejectedBar } from "./providers/types.js";

/**
 * Why one price field is unusable, or undefined when it is fine.
 * @param field - the field's name as the message should show it ("close", "open", ...).
 * @param value - the parsed value (NaN for text that is not a number).
 * @param raw - the text it came from, quoted in the message when it is not a number.
 * @param positive - whether the value must be > 0 (the close, or an adjusted close standing for it).
 */
export function priceFieldProblem(field: string, value: number, raw?: string, positive = field === "close"): string | undefined {
  if (Number.isNaN(value)) return raw === undefined ? `${field} is not a number` : `${field} is not a number: ${JSON.stringify(raw)}`;
  if (!Number.isFinite(value)) return `${field} ${value} is not finite`;
  if (positive && value <= 0) return `${field} ${value} is not positive`;
  return undefined;
}

/** Why a bar must not be stored (the close first), or undefined when it may be. */
export function barProblem(bar: DailyBar): string | undefined {
  return (
    priceFieldProblem("close", bar.close) ??
    priceFieldProblem("open", bar.open) ??
    priceFieldProblem("high", bar.high) ??
    priceFieldProblem("low", bar.low) ??
    priceFieldProblem("volume", bar.volume)
  );
}

/** The bars of one fetch split into what may be stored and what may not. */
export interface ScreenedBars {
  /** Bars to store, in the order given. */
  readonly bars: DailyBar[];
  /** Rows with unusable prices (the provider's own and bars failing {@link barProblem}), ascending by date. */
  readonly rejected: RejectedBar[];
  /** Rows (bars or rejected rows) dated after `today`: skipped and counted, never stored. */
  readonly futureRows: number;
  /** The earliest such date, or undefined when there is none. */
  readonly firstFutureDate: string | undefined;
}

/**
 * Splits a fetch's rows into storable bars, rejected rows and rows dated after `today` (a file or
 * feed cannot know a close that has not happened: such a row is an error in the source). A future
 * row is counted as future, not as bad, whatever its prices.
 * @param bars - the provider's bars.
 * @param providerRejected - rows the provider already refused (e.g. the csv provider's unparsable closes).
 * @param today - the clock's "YYYY-MM-DD" today.
 */
export function screenBars(bars: readonly DailyBar[], providerRejected: readonly RejectedBar[], today: string): ScreenedBars {
  const kept: DailyBar[] = [];
  const rejected: RejectedBar[] = [];
  let futureRows = 0;
  let firstFutureDate: string | undefined;
  const future = (date: string): boolean => {
    if (date <= today) return false;
    futureRows++;
    if (firstFutureDate === undefined || date < firstFutureDate) firstFutureDate = date;
    return true;
  };
  for (const r of providerRejected) if (!future(r.date)) rejected.push(r);
  for (const bar of bars) {
    if (future(bar.date)) continue;
    const problem = barProblem(bar);
    if (problem === undefined) kept.push(bar);
    else rejected.push({ date: bar.date, problem });
  }
  rejected.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { bars: kept, rejected, futureRows, firstFutureDate };
}
