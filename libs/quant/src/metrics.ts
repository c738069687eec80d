/**
 * Symbol metrics over an aligned calendar (SPEC §3 phase 1.75 and §3.1 "Metrics"). Every function takes
 * closes aligned to the trading calendar (NaN = no close) and returns one value per date, NaN meaning
 * "null" (too little history, or no close on the date).
 *
 * Determinism (SPEC §8): except RSI, each value at t is computed directly from the closes of its own
 * window in a fixed order (no running sums carried from the start of the array), so it has the same
 * bits whatever history start or range it was computed in, as long as the history covers the window.
 */
import { RSI } from "technicalindicators";

/**
 * k-day return c_t / c_{t−k} − 1, using the close exactly k trading dates back.
 *
 * @param k trading days (≥ 1).
 * @returns NaN where c_t or c_{t−k} is missing or t < k.
 */
export function kDayReturns(closes: Float64Array, k: number): Float64Array {
  if (!(k >= 1)) throw new RangeError(`kDayReturns: k must be >= 1, got ${k}`);
  const out = new Float64Array(closes.length).fill(NaN);
  for (let t = k; t < closes.length; t++) {
    const a = closes[t - k]!;
    const b = closes[t]!;
    if (Number.isFinite(a) && Number.isFinite(b) && a > 0) out[t] = b / a - 1;
  }
  return out;
}

/** Calendar period of a period-to-date return. */
export type Period = "month" | "year";

/**
 * Month- or year-to-date return against the last close strictly before the period (the last available
 * close on a date of an earlier month / year, however far back).
 *
 * @param closes closes aligned to `dates`.
 * @param dates ISO dates `YYYY-MM-DD`, ascending.
 * @returns NaN where there is no close on t or no close before the period.
 * @throws RangeError when lengths differ.
 */
export function periodToDateReturns(closes: Float64Array, dates: readonly string[], period: Period): Float64Array {
  if (closes.length !== dates.length) throw new RangeError(`periodToDateReturns: ${closes.length} closes for ${dates.length} dates`);
  const keyLen = period === "month" ? 7 : 4; // "YYYY-MM" or "YYYY"
  const out = new Float64Array(closes.length).fill(NaN);
  let anchor = NaN; // last close before the current period
  let lastClose = NaN; // last close seen so far
  let key = "";
  for (let t = 0; t < closes.length; t++) {
    const k = dates[t]!.slice(0, keyLen);
    if (k !== key) {
      anchor = lastClose;
      key = k;
    }
    const c = closes[t]!;
    if (Number.isFinite(c)) {
      if (Number.isFinite(anchor)) out[t] = c / anchor - 1;
      lastClose = c;
    }
  }
  return out;
}

/**
 * Drawdown from the trailing high: c_t / max(c_{t−w+1..t}) − 1 (≤ 0, decimal).
 *
 * @param window closes in the window (default 252), t included.
 * @returns NaN when t < window − 1 or any close in the window is missing.
 */
export function rollingDrawdown(closes: Float64Array, window = 252): Float64Array {
  const T = closes.length;
  const out = new Float64Array(T).fill(NaN);
  const dq = new Int32Array(T); // monotone deque of indices with decreasing closes
  let head = 0;
  let tail = 0;
  let lastMissing = -1;
  for (let t = 0; t < T; t++) {
    const c = closes[t]!;
    if (!Number.isFinite(c)) {
      lastMissing = t;
      continue;
    }
    while (tail > head && closes[dq[tail - 1]!]! <= c) tail--;
    dq[tail++] = t;
    while (dq[head]! <= t - window) head++;
    if (t >= window - 1 && lastMissing <= t - window) out[t] = c / closes[dq[head]!]! - 1;
  }
  return out;
}

/**
 * Map an indicator computed over the available (non-missing) closes back onto the calendar. Indicator
 * outputs are unpadded, so output i belongs to the (i + offset)-th available close.
 */
function alignFromEnd(closes: Float64Array, compute: (values: number[]) => number[]): Float64Array {
  const out = new Float64Array(closes.length).fill(NaN);
  const idx: number[] = [];
  const values: number[] = [];
  for (let t = 0; t < closes.length; t++) {
    if (Number.isFinite(closes[t]!)) {
      idx.push(t);
      values.push(closes[t]!);
    }
  }
  const res = compute(values);
  const offset = values.length - res.length;
  for (let i = 0; i < res.length; i++) out[idx[i + offset]!] = res[i]!;
  return out;
}

/**
 * RSI (Wilder) over all available closes via `technicalindicators`, rounded to 2 decimals as that
 * library does. The value at a close depends only on closes up to it.
 *
 * Not window-local: Wilder's smoothing starts at the first available close (SPEC §3.1 "RSI over all
 * available closes"), so the unrounded value depends on where the loaded history starts; the influence
 * of a start more than a few hundred closes back is far below the 2-decimal rounding, but a value close
 * to a rounding tie can still flip by 0.01 between runs with different lookbacks.
 *
 * @param period default 14; needs period + 1 closes.
 * @returns RSI in [0, 100] on dates with a close and enough history, else NaN.
 */
export function rsiSeries(closes: Float64Array, period = 14): Float64Array {
  return alignFromEnd(closes, (values) => RSI.calculate({ period, values }));
}

/**
 * Simple moving average of the last `period` available closes (missing closes are skipped, not zero):
 * a direct sum of those closes in calendar order divided by `period`, so the value at t depends only on
 * those closes (a running sum would carry rounding from the start of the array). Equals
 * `technicalindicators` SMA to rounding (≈ 1e-13 relative).
 *
 * @param period number of closes (≥ 1).
 * @param from first calendar index whose value is wanted (default 0); earlier dates are left NaN
 *   without being computed (the work is O(period) per date).
 * @returns price units; NaN on dates without a close, before `from`, or with fewer than `period`
 *   closes so far.
 * @throws RangeError when period < 1.
 */
export function smaSeries(closes: Float64Array, period: number, from = 0): Float64Array {
  if (!(Number.isInteger(period) && period >= 1)) throw new RangeError(`smaSeries: period must be an integer >= 1, got ${period}`);
  const out = new Float64Array(closes.length).fill(NaN);
  const values = new Float64Array(closes.length); // available closes, in calendar order
  let count = 0;
  for (let t = 0; t < closes.length; t++) {
    const c = closes[t]!;
    if (!Number.isFinite(c)) continue;
    values[count++] = c;
    if (t < from || count < period) continue;
    let sum = 0;
    for (let i = count - period; i < count; i++) sum += values[i]!;
    out[t] = sum / period;
  }
  return out;
}
