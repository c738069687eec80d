/**
 * The one source of "now" for Sigma (SPEC §3, §4), optionally pinned to an as-of date so that a
 * run over history behaves exactly as if it ran on that evening.
 */
import { InvalidDateError, isIsoDate } from "./iso-date.js";
import { newYorkDate, newYorkInstant, newYorkWallClock } from "./new-york-time.js";
import { isTradingDay, previousTradingDay } from "./trading-calendar.js";

/** Environment variable that pins the clock: "YYYY-MM-DD", or unset/empty for the real time. */
export const AS_OF_ENV = "SIGMA_AS_OF";

/** New York wall time a pinned as-of date stands for: 23:59 on that date. */
export const AS_OF_TIME = Object.freeze({ hour: 23, minute: 59 });

/**
 * New York wall time from which a trading day counts as closed for a daily run:
 * the 16:00 close plus 30 minutes for final prints to settle.
 */
export const TARGET_CUTOFF_TIME = Object.freeze({ hour: 16, minute: 30 });

/** A source of the current time, in New York trading terms. */
export interface Clock {
  /** True when the clock is pinned to an as-of date (then {@link Clock.now} never moves). */
  readonly pinned: boolean;
  /** The pinned as-of date ("YYYY-MM-DD"), or undefined for a live clock. */
  readonly asOf: string | undefined;
  /** The current instant (a fresh Date on every call, so callers may mutate it). */
  now(): Date;
  /** The calendar date in America/New_York at {@link Clock.now}, "YYYY-MM-DD". */
  today(): string;
  /** {@link targetDate} at {@link Clock.now}. */
  targetDate(): string;
}

/** Options of {@link createClock}. */
export interface ClockOptions {
  /** Pin the clock to 23:59 America/New_York on this "YYYY-MM-DD" date. Takes precedence over `now`. */
  readonly asOf?: string;
  /** Time source of a live clock (default: the process clock, `() => new Date()`); handy in tests. */
  readonly now?: () => Date;
}

/**
 * The instant a pinned as-of date stands for: 23:59:00 America/New_York on `asOf`
 * (04:59Z the next day in winter, 03:59Z in summer).
 * @throws InvalidDateError when `asOf` is not a strict, real "YYYY-MM-DD" date.
 */
export function asOfInstant(asOf: string): Date {
  if (!isIsoDate(asOf)) throw new InvalidDateError(asOf, "asOf");
  return newYorkInstant(asOf, AS_OF_TIME.hour, AS_OF_TIME.minute);
}

/**
 * The target date of a daily run at `now`: the latest trading day whose close (16:00
 * America/New_York) plus 30 minutes has passed, i.e. today (New York) from 16:30:00 on if today is a
 * trading day, otherwise the previous trading day. Weekends and holidays give the last trading day
 * before them. Early (13:00) closes are not modelled: the cut-off is always 16:30.
 * @throws RangeError when `now` is not a valid Date.
 */
export function targetDate(now: Date): string {
  const wall = newYorkWallClock(now);
  const minutes = wall.hour * 60 + wall.minute;
  const cutoff = TARGET_CUTOFF_TIME.hour * 60 + TARGET_CUTOFF_TIME.minute;
  if (minutes >= cutoff && isTradingDay(wall.date)) return wall.date;
  return previousTradingDay(wall.date);
}

/**
 * Creates a clock: pinned to 23:59 New York time on `opts.asOf` when given, else live on `opts.now`
 * (default: the process clock).
 * @throws InvalidDateError when `opts.asOf` is given but not a strict, real "YYYY-MM-DD" date.
 * @throws RangeError from `now()` / `today()` / `targetDate()` when the time source returns an invalid Date.
 */
export function createClock(opts: ClockOptions = {}): Clock {
  const { asOf } = opts;
  if (asOf !== undefined) {
    const pinnedMs = asOfInstant(asOf).getTime();
    // Both derived values are fixed for a pinned clock: compute them once.
    const pinnedTarget = targetDate(new Date(pinnedMs));
    return {
      pinned: true,
      asOf,
      now: () => new Date(pinnedMs),
      today: () => asOf,
      targetDate: () => pinnedTarget,
    };
  }
  const source = opts.now ?? (() => new Date());
  const now = (): Date => {
    const t = source();
    if (!(t instanceof Date) || Number.isNaN(t.getTime()))
      throw new RangeError(`clock: time source returned an invalid Date: ${String(t)}`);
    return new Date(t.getTime());
  };
  return {
    pinned: false,
    asOf: undefined,
    now,
    today: () => newYorkDate(now()),
    targetDate: () => targetDate(now()),
  };
}

/**
 * Creates the clock described by the environment: pinned when `SIGMA_AS_OF` is set to a
 * "YYYY-MM-DD" date, live (process clock) when it is unset or empty.
 * @param env - Environment to read (default `process.env`).
 * @throws InvalidDateError naming `SIGMA_AS_OF` when it is set to anything else (no trimming or
 *   lenient parsing: a typo must not silently run against the wrong date).
 */
export function clockFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Clock {
  const raw = env[AS_OF_ENV];
  if (raw === undefined || raw === "") return createClock();
  if (!isIsoDate(raw)) throw new InvalidDateError(raw, AS_OF_ENV);
  return createClock({ asOf: raw });
}
