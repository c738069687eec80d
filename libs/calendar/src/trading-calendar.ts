/**
 * NYSE trading-day queries over "YYYY-MM-DD" dates.
 *
 * A trading day is a Monday-Friday that is not in {@link holidays} for its year. Closures are
 * computed once per year and cached (a year's closures never change), so queries cost a few integer
 * operations and a Set lookup per day visited.
 */
import { holidays } from "./holidays.js";
import { fromDayNumber, partsFromDayNumber, toDayNumber, weekdayOfDayNumber } from "./iso-date.js";

/** year -> day numbers of that year's weekday closures. */
const closedByYear = new Map<number, ReadonlySet<number>>();

function closedDaysOf(year: number): ReadonlySet<number> {
  let closed = closedByYear.get(year);
  if (!closed) {
    closed = new Set(holidays(year).map((h) => toDayNumber(h.date)));
    closedByYear.set(year, closed);
  }
  return closed;
}

/** True when the day number (days since 1970-01-01) is an NYSE trading day. */
function isTradingDayNumber(dayNumber: number): boolean {
  const weekday = weekdayOfDayNumber(dayNumber);
  if (weekday === 0 || weekday === 6) return false;
  return !closedDaysOf(partsFromDayNumber(dayNumber).year).has(dayNumber);
}

/** First trading day at or after (step 1) / at or before (step -1) a day number. */
function rollToTradingDay(dayNumber: number, step: 1 | -1): number {
  let d = dayNumber;
  // Terminates quickly: the longest run of closed days in the rule set is 6 (2001-09-11..16).
  while (!isTradingDayNumber(d)) d += step;
  return d;
}

/**
 * True when the NYSE holds a regular session on `date`.
 * @param date - "YYYY-MM-DD".
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function isTradingDay(date: string): boolean {
  return isTradingDayNumber(toDayNumber(date, "isTradingDay"));
}

/**
 * All trading days in the inclusive range [start, end], ascending.
 * Neither bound needs to be a trading day.
 * @returns [] when start > end or the range holds no trading day.
 * @throws InvalidDateError when a bound is not a strict, real date.
 */
export function tradingDays(start: string, end: string): string[] {
  const from = toDayNumber(start, "tradingDays start");
  const to = toDayNumber(end, "tradingDays end");
  const result: string[] = [];
  for (let d = from; d <= to; d++) if (isTradingDayNumber(d)) result.push(fromDayNumber(d));
  return result;
}

/**
 * Number of trading days in the inclusive range [start, end]; equals `tradingDays(start, end).length`
 * without building the array.
 * @returns 0 when start > end.
 * @throws InvalidDateError when a bound is not a strict, real date.
 */
export function countTradingDays(start: string, end: string): number {
  const from = toDayNumber(start, "countTradingDays start");
  const to = toDayNumber(end, "countTradingDays end");
  let count = 0;
  for (let d = from; d <= to; d++) if (isTradingDayNumber(d)) count++;
  return count;
}

/**
 * The first trading day strictly after `date` (which need not be a trading day).
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function nextTradingDay(date: string): string {
  return fromDayNumber(rollToTradingDay(toDayNumber(date, "nextTradingDay") + 1, 1));
}

/**
 * The last trading day strictly before `date` (which need not be a trading day).
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function previousTradingDay(date: string): string {
  return fromDayNumber(rollToTradingDay(toDayNumber(date, "previousTradingDay") - 1, -1));
}

/**
 * `date` itself when it is a trading day, else the next trading day ("roll forward").
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function tradingDayOnOrAfter(date: string): string {
  return fromDayNumber(rollToTradingDay(toDayNumber(date, "tradingDayOnOrAfter"), 1));
}

/**
 * `date` itself when it is a trading day, else the previous trading day ("roll back").
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function tradingDayOnOrBefore(date: string): string {
  return fromDayNumber(rollToTradingDay(toDayNumber(date, "tradingDayOnOrBefore"), -1));
}

/**
 * Moves `n` trading days from `date`.
 *
 * Rule (also for a `date` that is not a trading day): `date` itself is never counted.
 * - n > 0: the n-th trading day strictly after `date` (n = 1 is {@link nextTradingDay}).
 * - n < 0: the |n|-th trading day strictly before `date` (n = -1 is {@link previousTradingDay}).
 * - n = 0: {@link tradingDayOnOrAfter} (a non-trading day rolls forward, like pandas'
 *   business-day offsets).
 * Hence for a trading day d, `addTradingDays(addTradingDays(d, n), -n) === d` for every n.
 *
 * Cost is linear in |n| (about 1.45 calendar days visited per trading day).
 * @throws InvalidDateError when `date` is not a strict, real date.
 * @throws RangeError when `n` is not a safe integer, or the result leaves years 1..9999.
 */
export function addTradingDays(date: string, n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`addTradingDays: n must be an integer, got ${n}`);
  let d = toDayNumber(date, "addTradingDays");
  if (n === 0) return fromDayNumber(rollToTradingDay(d, 1));
  const step = n > 0 ? 1 : -1;
  for (let remaining = Math.abs(n); remaining > 0; remaining--) d = rollToTradingDay(d + step, step);
  return fromDayNumber(d);
}
