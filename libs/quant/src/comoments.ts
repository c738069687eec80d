/**
 * Co-moments (means and centered cross-products) of column series over a set of rows, computed directly
 * (two-pass) so the result depends only on those rows and their order: the exact path of every fit.
 */

/**
 * Exact two-pass co-moments of the rows `rows` of column series `cols` (the direct, non-incremental fit).
 *
 * @param cols d series of equal length.
 * @param rows indices of the rows to use (all values there must be finite).
 * @returns n, means and centered co-moment sums (row-major d × d).
 */
export function directComoments(
  cols: readonly Float64Array[],
  rows: ArrayLike<number>,
): { n: number; mean: Float64Array; c: Float64Array } {
  const d = cols.length;
  const n = rows.length;
  const mean = new Float64Array(d);
  const c = new Float64Array(d * d);
  if (n === 0) return { n, mean, c };
  for (let j = 0; j < d; j++) {
    let s = 0;
    const col = cols[j]!;
    for (let r = 0; r < n; r++) s += col[rows[r]!]!;
    mean[j] = s / n;
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      let s = 0;
      const ci = cols[i]!;
      const cj = cols[j]!;
      const mi = mean[i]!;
      const mj = mean[j]!;
      for (let r = 0; r < n; r++) s += (ci[rows[r]!]! - mi) * (cj[rows[r]!]! - mj);
      c[i * d + j] = s;
      c[j * d + i] = s;
    }
  }
  return { n, mean, c };
}
