/** Shared input checks of the factor-service use cases. */
import { FactorInputError } from "./factor-ids.js";

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validate the calendar and return the index range of [startDate, endDate] inside it.
 *
 * @param dates trading calendar, ISO dates strictly ascending.
 * @returns { from, to } inclusive indices, or null when no calendar date falls in the range.
 * @throws FactorInputError on malformed or unordered dates, or startDate > endDate.
 */
export function dateRange(dates: readonly string[], startDate: string, endDate: string): { from: number; to: number } | null {
  if (!ISO.test(startDate) || !ISO.test(endDate)) throw new FactorInputError(`dates must be YYYY-MM-DD: ${startDate}, ${endDate}`);
  if (startDate > endDate) throw new FactorInputError(`startDate ${startDate} is after endDate ${endDate}`);
  for (let i = 0; i < dates.length; i++) {
    if (!ISO.test(dates[i]!)) throw new FactorInputError(`calendar date ${i} is not YYYY-MM-DD: ${dates[i]}`);
    if (i > 0 && dates[i]! <= dates[i - 1]!) throw new FactorInputError(`calendar not strictly ascending at ${dates[i]}`);
  }
  let from = 0;
  while (from < dates.length && dates[from]! < startDate) from++;
  let to = dates.length - 1;
  while (to >= 0 && dates[to]! > endDate) to--;
  return from <= to ? { from, to } : null;
}

/**
 * The closes of a symbol, checked against the calendar length.
 *
 * @returns undefined when the symbol is absent from the map.
 * @throws FactorInputError when the array length differs from the calendar.
 */
export function closesOf(closes: ReadonlyMap<string, Float64Array>, symbol: string, length: number): Float64Array | undefined {
  const c = closes.get(symbol);
  if (c !== undefined && c.length !== length) {
    throw new FactorInputError(`closes of ${symbol} have length ${c.length}, calendar has ${length}`);
  }
  return c;
}

/** True when the series has at least one finite value in [0, to]. */
export function hasAnyClose(c: Float64Array, to: number): boolean {
  for (let i = 0; i <= to && i < c.length; i++) if (Number.isFinite(c[i]!)) return true;
  return false;
}
