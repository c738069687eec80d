/**
 * Conversions between instants and America/New_York wall-clock time.
 *
 * Uses `Intl.DateTimeFormat` with an explicit time zone (Node ships full ICU), so results never
 * depend on the machine's TZ setting.
 */
import { dayNumberFromParts, fromDayNumber, parseIsoDate } from "./iso-date.js";

/** IANA zone of the exchange; every "today" and cut-off in Sigma is New York time. */
export const NEW_YORK_TIME_ZONE = "America/New_York";

/** New York wall-clock reading of one instant. */
export interface NewYorkWallClock {
  /** Calendar date in New York, "YYYY-MM-DD". */
  readonly date: string;
  /** 0-23. */
  readonly hour: number;
  /** 0-59. */
  readonly minute: number;
  /** 0-59. */
  readonly second: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

// Building a DateTimeFormat is costly; one shared instance is safe (it is immutable).
// hourCycle h23 avoids the "24:00" midnight some ICU versions print with hour12: false.
const formatter = new Intl.DateTimeFormat("en-US", {
  timeZone: NEW_YORK_TIME_ZONE,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

function assertValidInstant(instant: Date, fn: string): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`${fn}: expected a valid Date, got ${String(instant)}`);
  }
}

/**
 * The America/New_York wall-clock date and time of an instant (sub-second part dropped).
 * @throws RangeError when `instant` is not a valid Date.
 */
export function newYorkWallClock(instant: Date): NewYorkWallClock {
  assertValidInstant(instant, "newYorkWallClock");
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  if ([year, month, day, hour, minute, second].some((v) => v === undefined || Number.isNaN(v))) {
    throw new Error(`newYorkWallClock: unexpected Intl output for ${instant.toISOString()}`);
  }
  return {
    date: fromDayNumber(dayNumberFromParts(year!, month!, day!)),
    hour: hour!,
    minute: minute!,
    second: second!,
  };
}

/**
 * The calendar date in America/New_York at an instant, "YYYY-MM-DD".
 * @throws RangeError when `instant` is not a valid Date.
 */
export function newYorkDate(instant: Date): string {
  return newYorkWallClock(instant).date;
}

/** Milliseconds since the epoch of the wall-clock reading taken as if it were UTC. */
function wallAsUtcMs(wall: NewYorkWallClock): number {
  const { year, month, day } = parseIsoDate(wall.date);
  return dayNumberFromParts(year, month, day) * MS_PER_DAY + ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1000;
}

/** New York's UTC offset at an instant, in ms (e.g. -5 h in winter, -4 h in summer). */
function offsetMsAt(utcMs: number): number {
  // Whole seconds only: the wall clock drops milliseconds, so compare on a second boundary.
  const t = Math.floor(utcMs / 1000) * 1000;
  return wallAsUtcMs(newYorkWallClock(new Date(t))) - t;
}

/**
 * The instant at which New York wall clocks show `hour:minute` on `date` (DST aware).
 *
 * Wall times inside a DST change (01:00-03:00 on the two switch days) are either skipped or occur
 * twice: a skipped time throws; a repeated one returns one of its two instants. Sigma only asks for
 * 16:30 and 23:59, which always exist exactly once.
 *
 * @param date - "YYYY-MM-DD" in New York.
 * @param hour - 0-23.
 * @param minute - 0-59.
 * @throws InvalidDateError when `date` is not a strict, real date.
 * @throws RangeError when hour/minute are out of range or the wall time does not exist that day.
 */
export function newYorkInstant(date: string, hour: number, minute: number): Date {
  const { year, month, day } = parseIsoDate(date, "newYorkInstant");
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) {
    throw new RangeError(`newYorkInstant: expected hour 0-23 and minute 0-59, got ${hour}:${minute}`);
  }
  const wallMs = dayNumberFromParts(year, month, day) * MS_PER_DAY + (hour * 60 + minute) * MS_PER_MINUTE;
  // The offset at the wall time read as UTC is only a first guess (it is 4-5 h away from the
  // answer, possibly across a DST switch); re-reading the offset at the candidate settles it.
  const firstGuess = wallMs - offsetMsAt(wallMs);
  const result = wallMs - offsetMsAt(firstGuess);
  const check = newYorkWallClock(new Date(result));
  if (check.date !== date || check.hour !== hour || check.minute !== minute) {
    throw new RangeError(`newYorkInstant: ${date} ${hour}:${minute} does not exist in ${NEW_YORK_TIME_ZONE} (DST gap)`);
  }
  return new Date(result);
}
