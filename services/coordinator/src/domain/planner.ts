import { addTradingDays, isIsoDate, tradingDays } from "@sigma/calendar";
import { InvalidArgumentError } from "@sigma/runtime";

/**
 * Trading days of history loaded before a run's first date: the longest window is the HAR
 * volatility model (252 training rows + 21-day features + 21-day targets, SPEC §3.1), 294
 * returns; 300 leaves a small margin.
 */
export const LOOKBACK_TRADING_DAYS = 300;

/** What a RunBatch request asks for, after authentication. */
export interface RunRequest {
  portfolioId: string;
  forceRerun: boolean;
  startDate: string;
  endDate: string;
}

/** The dates a run will process. */
export interface RunPlan {
  targetDate: string;
  /** Trading dates to process, ascending. */
  dates: string[];
  /** First date of price history to load (lookback for the longest window). */
  historyStartDate: string;
}

/**
 * Validates a run request and plans its dates (SPEC §4 "Dates").
 *
 * - start/end are accepted only with force_rerun; both default to the target date; a range
 *   beyond the target date or with start > end is INVALID_ARGUMENT.
 * - Without a forced range and with no portfolio in scope the run covers the target date only.
 *
 * @throws InvalidArgumentError naming the offending field.
 */
export function planRun(req: RunRequest, targetDate: string): RunPlan {
  const violations: { field: string; description: string }[] = [];
  if (!req.forceRerun && req.startDate) violations.push({ field: "start_date", description: "only accepted with force_rerun" });
  if (!req.forceRerun && req.endDate) violations.push({ field: "end_date", description: "only accepted with force_rerun" });
  for (const [field, value] of [
    ["start_date", req.startDate],
    ["end_date", req.endDate],
  ] as const) {
    if (value && !isIsoDate(value)) violations.push({ field, description: `not a YYYY-MM-DD date: "${value}"` });
  }
  if (violations.length) throw new InvalidArgumentError("invalid run range", { violations });
  const start = req.startDate || req.endDate || targetDate;
  const end = req.endDate || targetDate;
  if (start > end) violations.push({ field: "start_date", description: `${start} is after end_date ${end}` });
  if (end > targetDate) {
    violations.push({
      field: "end_date",
      description: `${end} is after the target date ${targetDate} (the latest trading day whose close has passed)`,
    });
  }
  const dates = violations.length ? [] : tradingDays(start, end);
  if (!violations.length && dates.length === 0)
    violations.push({ field: "start_date", description: `no trading day in [${start}, ${end}]` });
  if (violations.length) throw new InvalidArgumentError("invalid run range", { violations });
  return { targetDate, dates, historyStartDate: addTradingDays(dates[0]!, -LOOKBACK_TRADING_DAYS) };
}

/** Smallest chunk the work-sized rule picks: below this, per-chunk fixed costs (RPCs, commits) dominate. */
export const MIN_CHUNK_DAYS = 21;

/**
 * Largest chunk the work-sized rule picks. A chunk's reads reach back up to 600 trading days of
 * lookback (phase 5), and the range RPCs (GetPositionValueRange, GetReturnSeries, the risk compute
 * calls) accept at most 1,000 trading days: 300 + 600 stays inside with room. It also bounds a
 * chunk's memory and keeps commits (and progress) at least yearly.
 */
export const MAX_CHUNK_DAYS = 300;

/** Default work budget of one chunk, in symbol-dates + portfolio-dates (SIGMA_CHUNK_CELLS). */
export const DEFAULT_CHUNK_CELLS = 10_000;

/**
 * Trading days per chunk sized by the run's work rather than by the calendar: as many dates as keep
 * one chunk within `cells` symbol-dates + portfolio-dates, never fewer than {@link MIN_CHUNK_DAYS}
 * nor more than {@link MAX_CHUNK_DAYS}. A one-portfolio onboarding (≈ 35 symbols + 1 portfolio) fits a year in one chunk, so it pays each
 * phase's per-chunk costs once; a universe night (1,193 symbols + 1,000 portfolios) keeps 21-day
 * chunks, so its memory per chunk and its commit granularity stay those of SPEC §4. Pure.
 *
 * @param units symbols + portfolios in the run's scope (0 is treated as 1).
 * @param cells the work budget of one chunk (≥ 1).
 */
export function chunkDaysForWork(units: number, cells: number = DEFAULT_CHUNK_CELLS): number {
  if (!(cells >= 1)) throw new RangeError(`chunk cells must be >= 1, got ${cells}`);
  return Math.min(MAX_CHUNK_DAYS, Math.max(MIN_CHUNK_DAYS, Math.floor(cells / Math.max(1, units))));
}

/** Splits dates into consecutive chunks of at most `size` (SPEC §4 "Chunks"). */
export function chunkDates(dates: readonly string[], size: number): string[][] {
  if (size < 1) throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const chunks: string[][] = [];
  for (let i = 0; i < dates.length; i += size) chunks.push(dates.slice(i, i + size));
  return chunks;
}
