/**
 * Daily returns on an aligned trading calendar.
 *
 * Input closes are aligned to the calendar (index i = i-th trading date) with `NaN` for a missing close.
 * A return at i needs closes at i and i−1 (consecutive trading dates): there is never a return across a
 * missing close, and index 0 has no return.
 */

function isPrice(c: number): boolean {
  return Number.isFinite(c) && c > 0;
}

/**
 * Simple returns r_i = c_i / c_{i−1} − 1 (decimal, e.g. 0.01 = +1 %).
 *
 * @param closes closes aligned to the trading calendar; `NaN` (or a non-positive value) = missing.
 * @returns array of the same length; `NaN` at 0 and wherever either close is missing.
 */
export function simpleReturns(closes: Float64Array): Float64Array {
  const out = new Float64Array(closes.length).fill(NaN);
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1]!;
    const b = closes[i]!;
    if (isPrice(a) && isPrice(b)) out[i] = b / a - 1;
  }
  return out;
}

/**
 * Log returns r_i = ln(c_i / c_{i−1}) with the same presence rule as {@link simpleReturns}.
 *
 * @param closes closes aligned to the trading calendar; `NaN` (or a non-positive value) = missing.
 * @returns array of the same length; `NaN` at 0 and wherever either close is missing.
 */
export function logReturns(closes: Float64Array): Float64Array {
  const out = new Float64Array(closes.length).fill(NaN);
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1]!;
    const b = closes[i]!;
    if (isPrice(a) && isPrice(b)) out[i] = Math.log(b / a);
  }
  return out;
}

/**
 * Element-wise difference of two return series (spread returns such as VUG − VTV).
 *
 * @returns `a_i − b_i`, `NaN` where either is missing.
 * @throws RangeError when the lengths differ.
 */
export function spreadReturns(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length !== b.length) throw new RangeError(`spreadReturns: length ${a.length} != ${b.length}`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!; // NaN propagates
  return out;
}
