/** Realized volatility (SPEC §3: sample std, ddof 1, × √252; SPEC §3.1: RV needs all k returns). */
import { TRADING_DAYS_PER_YEAR } from "./constants.js";

/**
 * Realized volatility of the last `k` returns ending at `t`.
 *
 * @param returns daily returns aligned to the calendar (NaN = missing).
 * @param t index of the last return (inclusive).
 * @param k number of returns (≥ 2).
 * @param periodsPerYear annualization factor, default 252 (annualized = daily std × √periodsPerYear).
 * @returns annualized vol (decimal, 0.2 = 20 %), NaN when t − k + 1 < 0 or any of the k returns is missing.
 */
export function realizedVolAt(returns: Float64Array, t: number, k: number, periodsPerYear = TRADING_DAYS_PER_YEAR): number {
  if (!(k >= 2)) throw new RangeError(`realizedVolAt: k must be >= 2, got ${k}`);
  const start = t - k + 1;
  if (start < 0 || t >= returns.length) return NaN;
  let mean = 0;
  for (let i = start; i <= t; i++) {
    const r = returns[i]!;
    if (!Number.isFinite(r)) return NaN;
    mean += r;
  }
  mean /= k;
  let ss = 0;
  for (let i = start; i <= t; i++) ss += (returns[i]! - mean) ** 2;
  return Math.sqrt((ss / (k - 1)) * periodsPerYear);
}

/**
 * Realized volatility for every date (see {@link realizedVolAt}); two-pass per date, O(T·k), exact.
 *
 * @returns array of length T; NaN where fewer than k consecutive returns end at t.
 */
export function rollingRealizedVol(returns: Float64Array, k: number, periodsPerYear = TRADING_DAYS_PER_YEAR): Float64Array {
  const out = new Float64Array(returns.length).fill(NaN);
  let run = 0; // consecutive present returns ending at t: skip dates that cannot have a value
  for (let t = 0; t < returns.length; t++) {
    run = Number.isFinite(returns[t]!) ? run + 1 : 0;
    if (run >= k) out[t] = realizedVolAt(returns, t, k, periodsPerYear);
  }
  return out;
}
