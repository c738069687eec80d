/**
 * @sigma/calendar: the NYSE trading calendar computed by rule, and the pinnable New York clock.
 * Dates are "YYYY-MM-DD" strings throughout; nothing here does I/O except a live clock reading the
 * process time.
 */
export {
  InvalidDateError,
  addCalendarDays,
  assertDateRange,
  dayNumberFromParts,
  dayOfWeek,
  daysInMonth,
  formatIsoDate,
  fromDayNumber,
  isIsoDate,
  isLeapYear,
  parseIsoDate,
  partsFromDayNumber,
  toDayNumber,
  tryParseIsoDate,
  weekdayOfDayNumber,
  yearOf,
} from "./iso-date.js";
export type { DateParts } from "./iso-date.js";
export { JUNETEENTH_FIRST_YEAR, SPECIAL_CLOSURES, easterSunday, holidays } from "./holidays.js";
export type { ClosureKind, Holiday } from "./holidays.js";
export {
  addTradingDays,
  countTradingDays,
  isTradingDay,
  nextTradingDay,
  previousTradingDay,
  tradingDayOnOrAfter,
  tradingDayOnOrBefore,
  tradingDays,
} from "./trading-calendar.js";
export { NEW_YORK_TIME_ZONE, newYorkDate, newYorkInstant, newYorkWallClock } from "./new-york-time.js";
export type { NewYorkWallClock } from "./new-york-time.js";
export { AS_OF_ENV, AS_OF_TIME, TARGET_CUTOFF_TIME, asOfInstant, clockFromEnv, createClock, targetDate } from "./clock.js";
export type { Clock, ClockOptions } from "./clock.js";
