/**
 * NYSE full-day closures of one year, computed by rule (SPEC §3 "Trading calendar").
 *
 * Scope, deliberately exactly the spec's rule set: the ten regular holidays with NYSE observance
 * (Saturday → Friday before, except New Year's Day; Sunday → Monday), Juneteenth from 2022, and a
 * fixed list of special closures. Historical changes older than the rule set (e.g. MLK Day only
 * closed the exchange from 1998) and early closes (13:00 half-days) are not modelled.
 */
import { dayNumberFromParts, daysInMonth, fromDayNumber, weekdayOfDayNumber } from "./iso-date.js";

/** Why the exchange is closed on a weekday. */
export type ClosureKind = "holiday" | "special_closure";

/** One weekday on which the exchange is closed. */
export interface Holiday {
  /** The closed date, "YYYY-MM-DD" (always a Monday-Friday). */
  readonly date: string;
  /** Display name; observed holidays end with " (observed)". */
  readonly name: string;
  /** A rule-based holiday or one of the fixed special closures. */
  readonly kind: ClosureKind;
}

/** First year Juneteenth National Independence Day closed the NYSE. */
export const JUNETEENTH_FIRST_YEAR = 2022;

/**
 * The special (unscheduled) full-day closures, exactly as listed in SPEC §3; ranges expanded.
 * Frozen: callers cannot alter the calendar.
 */
export const SPECIAL_CLOSURES: readonly Holiday[] = Object.freeze(
  (
    [
      ["1985-09-27", "Hurricane Gloria"],
      ["1994-04-27", "Funeral of President Richard Nixon"],
      ["2001-09-11", "September 11 attacks"],
      ["2001-09-12", "September 11 attacks"],
      ["2001-09-13", "September 11 attacks"],
      ["2001-09-14", "September 11 attacks"],
      ["2004-06-11", "Funeral of President Ronald Reagan"],
      ["2007-01-02", "National Day of Mourning for President Gerald Ford"],
      ["2012-10-29", "Hurricane Sandy"],
      ["2012-10-30", "Hurricane Sandy"],
      ["2018-12-05", "National Day of Mourning for President George H. W. Bush"],
      ["2025-01-09", "National Day of Mourning for President Jimmy Carter"],
    ] as const
  ).map(([date, name]) => Object.freeze({ date, name, kind: "special_closure" as const })),
);

/**
 * Easter Sunday of a Gregorian year (anonymous Gregorian / Meeus-Jones-Butcher computus).
 * @param year - Integer year; meaningful for the Gregorian calendar (1583 on).
 * @returns "YYYY-MM-DD" of Easter Sunday.
 * @throws RangeError when `year` is not an integer in 1..9999.
 */
export function easterSunday(year: number): string {
  assertYear(year, "easterSunday");
  return fromDayNumber(easterDayNumber(year));
}

/** Easter Sunday as a day number (days since 1970-01-01); `year` already validated. */
function easterDayNumber(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return dayNumberFromParts(year, month, day);
}

/**
 * The n-th given weekday of a month, e.g. the 3rd Monday of January.
 * @param weekday - 0 = Sunday ... 6 = Saturday.
 * @param n - 1-based occurrence; -1 means the last one in the month.
 * @returns Day number (days since 1970-01-01).
 */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n === -1) {
    const last = dayNumberFromParts(year, month, daysInMonth(year, month));
    return last - ((weekdayOfDayNumber(last) - weekday + 7) % 7);
  }
  const first = dayNumberFromParts(year, month, 1);
  return first + ((weekday - weekdayOfDayNumber(first) + 7) % 7) + 7 * (n - 1);
}

/**
 * NYSE observance of a fixed-date holiday: Sunday → the Monday after; Saturday → the Friday before,
 * unless `observeSaturday` is false (New Year's Day: the Friday would be Dec 31 of the previous
 * year, which the NYSE keeps open). Returns undefined when the holiday is not observed at all.
 */
function observedFixed(year: number, month: number, day: number, name: string, observeSaturday = true): Holiday | undefined {
  const actual = dayNumberFromParts(year, month, day);
  const weekday = weekdayOfDayNumber(actual);
  if (weekday === 0) return { date: fromDayNumber(actual + 1), name: `${name} (observed)`, kind: "holiday" };
  if (weekday === 6) {
    return observeSaturday ? { date: fromDayNumber(actual - 1), name: `${name} (observed)`, kind: "holiday" } : undefined;
  }
  return { date: fromDayNumber(actual), name, kind: "holiday" };
}

function floating(dayNumber: number, name: string): Holiday {
  return { date: fromDayNumber(dayNumber), name, kind: "holiday" };
}

/**
 * Every weekday of `year` on which the NYSE is closed: rule-based holidays (observed dates) plus
 * the special closures, ascending by date. Weekends are not listed.
 *
 * Every observed date falls inside `year` (the only rule that could cross a year boundary, New
 * Year's Day on a Saturday, is not observed), so a year's closures depend on that year alone.
 *
 * @param year - Integer year 1..9999.
 * @returns A fresh array (callers may mutate it).
 * @throws RangeError when `year` is not an integer in 1..9999.
 */
export function holidays(year: number): Holiday[] {
  assertYear(year, "holidays");
  const list: (Holiday | undefined)[] = [
    observedFixed(year, 1, 1, "New Year's Day", false),
    floating(nthWeekday(year, 1, 1, 3), "Martin Luther King Jr. Day"),
    floating(nthWeekday(year, 2, 1, 3), "Presidents' Day"),
    floating(easterDayNumber(year) - 2, "Good Friday"),
    floating(nthWeekday(year, 5, 1, -1), "Memorial Day"),
    year >= JUNETEENTH_FIRST_YEAR ? observedFixed(year, 6, 19, "Juneteenth National Independence Day") : undefined,
    observedFixed(year, 7, 4, "Independence Day"),
    floating(nthWeekday(year, 9, 1, 1), "Labor Day"),
    floating(nthWeekday(year, 11, 4, 4), "Thanksgiving Day"),
    observedFixed(year, 12, 25, "Christmas Day"),
  ];
  const prefix = `${String(year).padStart(4, "0")}-`;
  const result = list.filter((h): h is Holiday => h !== undefined);
  for (const special of SPECIAL_CLOSURES) if (special.date.startsWith(prefix)) result.push({ ...special });
  return result.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

function assertYear(year: number, fn: string): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) {
    throw new RangeError(`${fn}: year must be an integer in 1..9999, got ${year}`);
  }
}
