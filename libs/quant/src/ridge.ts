/**
 * Ridge regression with standardized regressors and an unpenalized intercept (SPEC §3, style betas):
 * minimize ‖y − b0 − Z·b‖² + α‖b‖² where Z_j = (X_j − mean_j) / std_j (population std over the window's
 * jointly present rows). This equals scikit-learn `Ridge(alpha)` after `StandardScaler`. Reported betas
 * are on the original scale: β_j = b_j / std_j.
 */
import { RIDGE_ALPHA } from "./constants.js";
import { directComoments } from "./comoments.js";
import { FitStatus, type FitStatusCode } from "./fit-status.js";
import { isZeroStd, type WindowParams } from "./ols.js";
import { choleskyInPlace, choleskySolveInPlace } from "./small-linalg.js";

/** Result of one ridge fit; numeric fields NaN unless status is OK. */
export interface RidgeFit {
  status: FitStatusCode;
  /** Betas on the original scale (units of y per unit of X_j), length k. */
  betas: Float64Array;
  /** Intercept on the original scale: ȳ − Σ β_j x̄_j. */
  intercept: number;
  /** 1 − SS_res/SS_tot of the (unclipped) fit; NaN when y has zero variance. */
  r2: number;
  /** Jointly present rows. */
  nObs: number;
}

/** Per-date results of {@link rollingRidge}: betas row-major T × k. */
export interface RollingRidgeResult {
  k: number;
  betas: Float64Array;
  intercept: Float64Array;
  r2: Float64Array;
  nObs: Int32Array;
  status: Uint8Array;
}

/** Ridge window parameters. */
export interface RidgeParams extends WindowParams {
  /** Penalty on the standardized coefficients (default 1.0). */
  alpha?: number;
}

/**
 * Ridge fit from co-moments of (X_1..X_k, y) (y last; row-major (k+1)²). Shared by the direct and the
 * rolling fit. Needs n ≥ minObs and n > k, and every X column with non-zero variance.
 *
 * @param scratch optional work buffer of length ≥ k² + k (avoids allocation in loops).
 */
export function ridgeFromMoments(
  n: number,
  mean: Float64Array,
  c: Float64Array,
  k: number,
  alpha: number,
  minObs: number,
  scratch?: Float64Array,
): RidgeFit {
  const fit: RidgeFit = { status: FitStatus.OK, betas: new Float64Array(k).fill(NaN), intercept: NaN, r2: NaN, nObs: n };
  const d = k + 1;
  if (n < minObs || n <= k) {
    fit.status = FitStatus.INSUFFICIENT_HISTORY;
    return fit;
  }
  const w = scratch ?? new Float64Array(k * k + 2 * k);
  const a = w.subarray(0, k * k);
  const g = w.subarray(k * k, k * k + k);
  const s = w.subarray(k * k + k, k * k + 2 * k);
  for (let j = 0; j < k; j++) {
    const std = Math.sqrt(Math.max(c[j * d + j]!, 0) / n);
    if (isZeroStd(std, mean[j]!)) {
      fit.status = FitStatus.DEGENERATE_REGRESSOR;
      return fit;
    }
    s[j] = std;
  }
  // Z'Z + αI with Z'Z_ij = C_ij / (s_i s_j); Z'y_j = C_jy / s_j
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) a[i * k + j] = c[i * d + j]! / (s[i]! * s[j]!);
    a[i * k + i] = a[i * k + i]! + alpha;
    g[i] = c[i * d + k]! / s[i]!;
  }
  const b = g.slice(); // b = (Z'Z + αI)⁻¹ Z'y
  if (!choleskyInPlace(a, k)) {
    fit.status = FitStatus.DEGENERATE_REGRESSOR;
    return fit;
  }
  choleskySolveInPlace(a, k, b);
  const cyy = c[k * d + k]!;
  // SS_res = ‖y_c − Zb‖² = C_yy − b'g − α b'b, because (Z'Z + αI) b = g
  let bg = 0;
  let bb = 0;
  let intercept = mean[k]!;
  for (let j = 0; j < k; j++) {
    bg += b[j]! * g[j]!;
    bb += b[j]! * b[j]!;
    const beta = b[j]! / s[j]!;
    fit.betas[j] = beta;
    intercept -= beta * mean[j]!;
  }
  const ssRes = Math.max(cyy - bg - alpha * bb, 0);
  fit.intercept = intercept;
  fit.r2 = cyy > 0 ? 1 - ssRes / cyy : NaN;
  return fit;
}

function jointlyPresent(y: Float64Array, xs: readonly Float64Array[], i: number): boolean {
  if (!Number.isFinite(y[i]!)) return false;
  for (const x of xs) if (!Number.isFinite(x[i]!)) return false;
  return true;
}

/**
 * Direct ridge fit of y on the columns `xs` over the rows where every series is finite.
 *
 * @param y dependent series; @param xs k regressor series of the same length (NaN = missing).
 * @param alpha penalty on standardized coefficients (default 1.0).
 * @param minObs minimum usable rows (default k + 1).
 * @throws RangeError on length mismatch or k = 0.
 */
export function ridgeFit(y: Float64Array, xs: readonly Float64Array[], alpha = RIDGE_ALPHA, minObs = xs.length + 1): RidgeFit {
  const k = xs.length;
  if (k === 0) throw new RangeError("ridgeFit: need at least one regressor");
  for (const x of xs) if (x.length !== y.length) throw new RangeError(`ridgeFit: length ${x.length} != ${y.length}`);
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (jointlyPresent(y, xs, i)) rows.push(i);
  const m = directComoments([...xs, y], rows);
  return ridgeFromMoments(m.n, m.mean, m.c, k, alpha, minObs);
}

/**
 * Rolling ridge: for every date t, {@link ridgeFit} over the `window` dates ending at t. Each date is a
 * direct two-pass fit over its own window (O(T·window·k²)), so its bits do not depend on where the
 * arrays start (SPEC §8).
 *
 * For many symbols over a shared calendar use {@link SharedRegressorPanel} (factor-panel.ts): the
 * same numbers from per-block co-moments computed once, which is what the factor service runs;
 * this function is the simple per-series form and the reference the panel is tested against.
 *
 * @param y dependent returns (NaN = missing); @param xs k regressor return series.
 * @returns per-date results; status INSUFFICIENT_HISTORY when n_obs < minObs or n_obs ≤ k,
 *   DEGENERATE_REGRESSOR when a column has zero variance over the window's usable rows.
 * @throws RangeError on length mismatch, k = 0 or window < 1.
 */
export function rollingRidge(y: Float64Array, xs: readonly Float64Array[], params: RidgeParams): RollingRidgeResult {
  const k = xs.length;
  const { window, minObs } = params;
  const alpha = params.alpha ?? RIDGE_ALPHA;
  if (k === 0) throw new RangeError("rollingRidge: need at least one regressor");
  if (!(window >= 1)) throw new RangeError(`rollingRidge: window must be >= 1, got ${window}`);
  for (const x of xs) if (x.length !== y.length) throw new RangeError(`rollingRidge: length ${x.length} != ${y.length}`);
  const T = y.length;
  const out: RollingRidgeResult = {
    k,
    betas: new Float64Array(T * k).fill(NaN),
    intercept: new Float64Array(T).fill(NaN),
    r2: new Float64Array(T).fill(NaN),
    nObs: new Int32Array(T),
    status: new Uint8Array(T),
  };
  const cols = [...xs, y];
  const scratch = new Float64Array(k * k + 2 * k);
  const rows: number[] = [];
  for (let t = 0; t < T; t++) {
    rows.length = 0;
    for (let i = Math.max(0, t - window + 1); i <= t; i++) if (jointlyPresent(y, xs, i)) rows.push(i);
    const m = directComoments(cols, rows);
    const f = ridgeFromMoments(m.n, m.mean, m.c, k, alpha, minObs, scratch);
    out.nObs[t] = f.nObs;
    out.status[t] = f.status;
    out.betas.set(f.betas, t * k);
    out.intercept[t] = f.intercept;
    out.r2[t] = f.r2;
  }
  return out;
}
