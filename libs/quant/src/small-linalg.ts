/**
 * Allocation-free dense helpers for the small symmetric positive-definite systems of the regressions
 * (k ≤ ~10). ml-matrix is used for general problems (see lstsq.ts); these run in the per-date hot loop.
 */

/**
 * In-place Cholesky factorization A = L·Lᵀ of a k × k SPD matrix (row-major); the lower triangle of `a`
 * receives L, the strict upper triangle is left untouched.
 *
 * @returns false when A is not (numerically) positive definite.
 */
export function choleskyInPlace(a: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let s = a[j * k + j]!;
    for (let p = 0; p < j; p++) s -= a[j * k + p]! * a[j * k + p]!;
    if (!(s > 0)) return false;
    const ljj = Math.sqrt(s);
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let t = a[i * k + j]!;
      for (let p = 0; p < j; p++) t -= a[i * k + p]! * a[j * k + p]!;
      a[i * k + j] = t / ljj;
    }
  }
  return true;
}

/** Solve L·Lᵀ x = b in place in `b`, with L from {@link choleskyInPlace}. */
export function choleskySolveInPlace(l: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= l[i * k + p]! * b[p]!;
    b[i] = s / l[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let p = i + 1; p < k; p++) s -= l[p * k + i]! * b[p]!;
    b[i] = s / l[i * k + i]!;
  }
}

/**
 * Inverse of a k × k SPD matrix via Cholesky.
 *
 * @param a row-major SPD matrix (not modified).
 * @param out receives the row-major inverse (length ≥ k²).
 * @returns false when `a` is not positive definite (out is then unspecified).
 */
export function spdInverse(a: Float64Array, k: number, out: Float64Array): boolean {
  const l = a.slice(0, k * k);
  if (!choleskyInPlace(l, k)) return false;
  const col = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    col.fill(0);
    col[j] = 1;
    choleskySolveInPlace(l, k, col);
    for (let i = 0; i < k; i++) out[i * k + j] = col[i]!;
  }
  return true;
}
