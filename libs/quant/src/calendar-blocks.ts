/**
 * Fixed calendar blocks for window-local summation (used by the shared-regressor panel).
 *
 * A block is a run of consecutive calendar dates that share a block id. For bit-reproducible analytics
 * (SPEC §8) the id of a date must depend on the date alone, never on where the loaded history starts:
 * {@link weekBlockIds} cuts the calendar into fixed spans of whole weeks counted from a fixed Monday.
 * Calendar days (not trading-day numbers) are used on purpose: an amended holiday rule would renumber
 * every later trading day and silently move block boundaries, changing the last bits of stored values.
 */

/** Default block span in calendar weeks (≤ 10 trading days per block). */
export const DEFAULT_BLOCK_WEEKS = 2;

/** Day number (days since 1970-01-01) of Monday 1970-01-05, the epoch of week blocks. */
const MONDAY_EPOCH = 4;

/**
 * Block id of each date: ⌊(dayNumber − Monday 1970-01-05) / (7 × weeks)⌋.
 *
 * @param dayNumbers days since 1970-01-01 of the calendar dates (integers, non-decreasing; negative
 *   numbers, i.e. dates before 1970, are fine).
 * @param weeks block span in calendar weeks (integer ≥ 1).
 * @returns one id per date, non-decreasing.
 * @throws RangeError when weeks is not a positive integer, a day number is not an integer, or the day
 *   numbers decrease.
 */
export function weekBlockIds(dayNumbers: ArrayLike<number>, weeks: number = DEFAULT_BLOCK_WEEKS): Int32Array {
  if (!(Number.isInteger(weeks) && weeks >= 1)) throw new RangeError(`weekBlockIds: weeks must be an integer >= 1, got ${weeks}`);
  const span = 7 * weeks;
  const ids = new Int32Array(dayNumbers.length);
  for (let i = 0; i < dayNumbers.length; i++) {
    const d = dayNumbers[i]!;
    if (!Number.isInteger(d)) throw new RangeError(`weekBlockIds: day number ${i} is not an integer: ${d}`);
    if (i > 0 && d < dayNumbers[i - 1]!) throw new RangeError(`weekBlockIds: day numbers decrease at ${i}`);
    ids[i] = Math.floor((d - MONDAY_EPOCH) / span);
  }
  return ids;
}

/** Runs of equal block ids: block b covers calendar indices [start[b], end[b]]; of[t] is t's block. */
export interface BlockRuns {
  /** Number of blocks. */
  count: number;
  /** First calendar index of each block. */
  start: Int32Array;
  /** Last calendar index of each block (inclusive). */
  end: Int32Array;
  /** Block (0-based, in calendar order) of each calendar index. */
  of: Int32Array;
}

/**
 * Split a calendar into blocks of equal consecutive ids.
 *
 * @param ids block id per calendar index (non-decreasing).
 * @throws RangeError when the ids decrease (a block would not be one contiguous run).
 */
export function blockRuns(ids: ArrayLike<number>): BlockRuns {
  const T = ids.length;
  const of = new Int32Array(T);
  const starts: number[] = [];
  for (let t = 0; t < T; t++) {
    if (t > 0 && ids[t]! < ids[t - 1]!) throw new RangeError(`blockRuns: block ids decrease at index ${t}`);
    if (t === 0 || ids[t] !== ids[t - 1]) starts.push(t);
    of[t] = starts.length - 1;
  }
  const count = starts.length;
  const start = Int32Array.from(starts);
  const end = new Int32Array(count);
  for (let b = 0; b < count; b++) end[b] = b + 1 < count ? start[b + 1]! - 1 : T - 1;
  return { count, start, end, of };
}
