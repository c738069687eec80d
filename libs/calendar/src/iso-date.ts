/**
 * ISO calendar-date helpers ("YYYY-MM-DD") built on integer day numbers.
 *
 * Everything here is proleptic Gregorian arithmetic on plain integers: no `Date`, so results do not
 * depend on the machine's time zone and years 0000-0099 are not silently shifted to 19xx (which
 * `Date.UTC` does).
 */

/** A calendar date split into its numeric fields (month 1-12, day 1-31). */
export interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Thrown for a string that is not a strict, real "YYYY-MM-DD" date. */
export class InvalidDateError extends RangeError {
  /** The rejected input, kept for logs and error mapping. */
  readonly value: unknown;

  constructor(value: unknown, context?: string) {
    const where = context ? `${context}: ` : "";
    super(`${where}expected a real calendar date "YYYY-MM-DD", got ${JSON.stringify(value)}`);
    this.name = "InvalidDateError";
    this.value = value;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * True when `year` is a Gregorian leap year.
 * @param year - Any integer year (proleptic Gregorian).
 */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Number of days in a month.
 * @param year - Integer year (leap years give February 29 days).
 * @param month - Month 1-12.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses `s` when it is strictly "YYYY-MM-DD" (four-digit year, two-digit month and day) and names a
 * real date; otherwise returns `undefined`. No surrounding whitespace, time part or offset allowed.
 */
export function tryParseIsoDate(s: unknown): DateParts | undefined {
  if (typeof s !== "string") return undefined;
  const m = ISO_DATE.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/**
 * True when `s` is a string of the exact form "YYYY-MM-DD" naming a real Gregorian date
 * (so "2021-02-29", "2021-2-3" and "2021-02-03T00:00" are all false).
 */
export function isIsoDate(s: unknown): s is string {
  return tryParseIsoDate(s) !== undefined;
}

/**
 * Parses a strict "YYYY-MM-DD" date.
 * @param s - The date string.
 * @param context - Optional label (e.g. a parameter or env var name) prefixed to the error message.
 * @throws InvalidDateError when `s` is not a strict, real date (see {@link isIsoDate}).
 */
export function parseIsoDate(s: unknown, context?: string): DateParts {
  const parts = tryParseIsoDate(s);
  if (!parts) throw new InvalidDateError(s, context);
  return parts;
}

/**
 * Formats date fields as "YYYY-MM-DD" (zero padded). Fields are not validated: pass real dates.
 */
export function formatIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * Days since 1970-01-01 for a Gregorian date (negative before 1970).
 * Uses H. Hinnant's `days_from_civil`, exact for every integer year.
 */
export function dayNumberFromParts(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400; // [0, 399]
  const mp = (month + 9) % 12; // March = 0
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1; // [0, 365]
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy; // [0, 146096]
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link dayNumberFromParts} (H. Hinnant's `civil_from_days`). */
export function partsFromDayNumber(dayNumber: number): DateParts {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * Days since 1970-01-01 of a strict "YYYY-MM-DD" date.
 * @throws InvalidDateError when `s` is not a strict, real date.
 */
export function toDayNumber(s: string, context?: string): number {
  const { year, month, day } = parseIsoDate(s, context);
  return dayNumberFromParts(year, month, day);
}

/** "YYYY-MM-DD" for a day number (days since 1970-01-01). */
export function fromDayNumber(dayNumber: number): string {
  const { year, month, day } = partsFromDayNumber(dayNumber);
  return formatIsoDate(year, month, day);
}

/**
 * Day of week of a day number: 0 = Sunday ... 6 = Saturday (the `Date#getUTCDay` convention).
 */
export function weekdayOfDayNumber(dayNumber: number): number {
  // 1970-01-01 was a Thursday (4); the double modulo keeps negative day numbers in range.
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/**
 * Day of week of a "YYYY-MM-DD" date: 0 = Sunday ... 6 = Saturday.
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function dayOfWeek(date: string): number {
  return weekdayOfDayNumber(toDayNumber(date, "dayOfWeek"));
}

/**
 * Adds `days` calendar days (may be negative) to a "YYYY-MM-DD" date.
 * @throws InvalidDateError when `date` is not a strict, real date.
 * @throws RangeError when `days` is not an integer.
 */
export function addCalendarDays(date: string, days: number): string {
  if (!Number.isInteger(days)) throw new RangeError(`addCalendarDays: days must be an integer, got ${days}`);
  return fromDayNumber(toDayNumber(date, "addCalendarDays") + days);
}

/**
 * Asserts that `start` and `end` are strict, real "YYYY-MM-DD" dates with start <= end (an inclusive
 * range). String order is date order for such dates, so no parsing beyond validation is needed.
 * @param context - Optional label prefixed to the error messages (e.g. "fetchDaily").
 * @throws InvalidDateError naming "start" or "end" when either is not a strict, real date.
 * @throws RangeError when start is after end.
 */
export function assertDateRange(start: string, end: string, context?: string): void {
  const where = context ? `${context}: ` : "";
  if (!isIsoDate(start)) throw new InvalidDateError(start, `${where}start`);
  if (!isIsoDate(end)) throw new InvalidDateError(end, `${where}end`);
  if (start > end) throw new RangeError(`${where}start ${start} is after end ${end}`);
}

/**
 * The calendar year of a strict "YYYY-MM-DD" date.
 * @throws InvalidDateError when `date` is not a strict, real date.
 */
export function yearOf(date: string): number {
  return parseIsoDate(date, "yearOf").year;
}
