/**
 * Rolling co-moments (means and centered cross-products) of a d-dimensional observation stream.
 *
 * Add/remove use Welford-style updates on centered quantities, so sums never carry the large offsets that
 * make raw Σx² − n·x̄² lose digits (adding a constant to the data leaves the co-moments unchanged).
 */

/**
 * Means and centered co-moment sums C_ij = Σ (v_i − mean_i)(v_j − mean_j) of the current rows.
 *
 * Path-dependent: after add/remove the rounding depends on every row ever added, not only the current
 * ones, so do not use it for stored analytics (SPEC §8 bit-identity); use {@link directComoments}.
 */
export class RollingComoments {
  /** Dimension of an observation. */
  readonly dim: number;
  /** Number of rows currently included. */
  n = 0;
  /** Means (length dim). */
  readonly mean: Float64Array;
  /** Centered co-moment sums, row-major dim × dim (not divided by n). */
  readonly c: Float64Array;
  private readonly delta: Float64Array;

  /** @param dim observation dimension (≥ 1). */
  constructor(dim: number) {
    if (!(dim >= 1)) throw new RangeError(`RollingComoments: dim must be >= 1, got ${dim}`);
    this.dim = dim;
    this.mean = new Float64Array(dim);
    this.c = new Float64Array(dim * dim);
    this.delta = new Float64Array(dim);
  }

  /** Remove every row. */
  reset(): void {
    this.n = 0;
    this.mean.fill(0);
    this.c.fill(0);
  }

  /** Include one observation `v` (length ≥ dim; all finite). */
  add(v: ArrayLike<number>): void {
    const d = this.dim;
    this.n += 1;
    const inv = 1 / this.n;
    for (let i = 0; i < d; i++) {
      const di = v[i]! - this.mean[i]!;
      this.delta[i] = di;
      this.mean[i] = this.mean[i]! + di * inv;
    }
    // C += δ_old ⊗ (v − mean_new)
    for (let i = 0; i < d; i++) {
      const di = this.delta[i]!;
      for (let j = 0; j < d; j++) this.c[i * d + j] = this.c[i * d + j]! + di * (v[j]! - this.mean[j]!);
    }
  }

  /** Exclude an observation previously added (exact inverse of {@link add} up to rounding). */
  remove(v: ArrayLike<number>): void {
    const d = this.dim;
    if (this.n <= 1) {
      this.reset();
      return;
    }
    this.n -= 1;
    const inv = 1 / this.n;
    for (let i = 0; i < d; i++) {
      const di = v[i]! - this.mean[i]!; // against the old mean
      this.delta[i] = di;
      this.mean[i] = this.mean[i]! - di * inv;
    }
    // inverse of add: C_before = C_after + (v − mean_after) ⊗ (v − mean_before)
    for (let i = 0; i < d; i++) {
      const ai = v[i]! - this.mean[i]!;
      for (let j = 0; j < d; j++) this.c[i * d + j] = this.c[i * d + j]! - ai * this.delta[j]!;
    }
  }
}

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
