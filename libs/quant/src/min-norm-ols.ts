/**
 * OLS with intercept that falls back to the minimum-norm (pseudo-inverse) solution when the design is
 * singular (SPEC §3.1: "a singular HAR design uses the minimum-norm solution").
 */
import { lstsqMinNorm } from "./lstsq.js";
import { isZeroStd } from "./ols.js";
import { choleskyInPlace, choleskySolveInPlace } from "./small-linalg.js";

/**
 * Pivot floor of the Cholesky factorization of the regressors' correlation matrix: a squared pivot
 * below it means a column is (numerically) a linear combination of the others, i.e. 1 − R²_j < 1e-12.
 */
const SINGULAR_PIVOT = 1e-12;

/**
 * Full-rank OLS with intercept from centered moments, or null when the design is singular (a
 * zero-variance regressor, or a squared Cholesky pivot of the regressors' correlation matrix below
 * 1e-12); the caller then uses the minimum-norm solution of the full design.
 *
 * @param mean p regressor means followed by the mean of y (length p + 1).
 * @param c Σ(x_a − x̄_a)(x_b − x̄_b), row-major p × p; only the lower triangle (b ≤ a) is read.
 * @param cy Σ(x_a − x̄_a)(y − ȳ), length p.
 * @returns [b0, b_1..b_p] or null.
 */
export function olsFromCenteredMoments(p: number, n: number, mean: Float64Array, c: Float64Array, cy: Float64Array): Float64Array | null {
  const scale = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    const v = c[a * p + a]!;
    if (isZeroStd(Math.sqrt(Math.max(v, 0) / n), mean[a]!)) return null;
    scale[a] = Math.sqrt(v);
  }
  // correlation form: unit diagonal, so the pivot floor is scale-free
  const l = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) l[a * p + b] = c[a * p + b]! / (scale[a]! * scale[b]!);
  if (!choleskyInPlace(l, p)) return null;
  for (let a = 0; a < p; a++) if (!(l[a * p + a]! ** 2 > SINGULAR_PIVOT)) return null;
  const rhs = new Float64Array(p);
  for (let a = 0; a < p; a++) rhs[a] = cy[a]! / scale[a]!;
  choleskySolveInPlace(l, p, rhs);
  const coef = new Float64Array(p + 1);
  let b0 = mean[p]!;
  for (let a = 0; a < p; a++) {
    const b = rhs[a]! / scale[a]!;
    coef[a + 1] = b;
    b0 -= b * mean[a]!;
  }
  coef[0] = b0;
  return coef;
}

/**
 * Fit y = b0 + Σ_j b_j x_j over the given rows.
 *
 * Full-rank designs are solved from the centered cross-products (Cholesky on the p × p correlation
 * form, which equals the pseudo-inverse solution); a design with a zero-variance or collinear regressor
 * is solved with the minimum-norm least-squares solution of the full design [1, x_1..x_p] (the
 * intercept counts in the norm, as with numpy/statsmodels `pinv`).
 *
 * @param xs p regressor series (any units); @param y the dependent series.
 * @param rows indices of the rows to use (every x and y must be finite there; not checked).
 * @returns coefficients [b0, b_1..b_p]; NaN-filled when rows is empty.
 */
export function olsWithInterceptMinNorm(xs: readonly Float64Array[], y: Float64Array, rows: ArrayLike<number>): Float64Array {
  const p = xs.length;
  const n = rows.length;
  const coef = new Float64Array(p + 1).fill(NaN);
  if (n === 0) return coef;
  const mean = new Float64Array(p + 1); // x means then y mean
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    for (let j = 0; j < p; j++) mean[j] = mean[j]! + xs[j]![i]!;
    mean[p] = mean[p]! + y[i]!;
  }
  for (let j = 0; j <= p; j++) mean[j] = mean[j]! / n;
  const c = new Float64Array(p * p);
  const cy = new Float64Array(p);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    const dy = y[i]! - mean[p]!;
    for (let a = 0; a < p; a++) {
      const da = xs[a]![i]! - mean[a]!;
      cy[a] = cy[a]! + da * dy;
      for (let b = 0; b <= a; b++) c[a * p + b] = c[a * p + b]! + da * (xs[b]![i]! - mean[b]!);
    }
  }
  const solved = olsFromCenteredMoments(p, n, mean, c, cy);
  if (solved) return solved;
  const design: number[][] = [];
  const target = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    const row = [1];
    for (let j = 0; j < p; j++) row.push(xs[j]![i]!);
    design.push(row);
    target[r] = y[i]!;
  }
  return lstsqMinNorm(design, target);
}
