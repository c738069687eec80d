/**
 * Univariate OLS with intercept, y = α + β·x + ε, over rolling windows of trading days.
 *
 * Presence is pairwise: a row counts when both y and x are finite on it (n_obs, SPEC §3.1). The rolling
 * version fits every window directly (two-pass), so each date's result depends only on its own window.
 */
import { DEGENERATE_STD_ABS, DEGENERATE_STD_REL } from "./constants.js";
import { directComoments } from "./comoments.js";
import { FitStatus, type FitStatusCode } from "./fit-status.js";

/** Result of one OLS fit. Numeric fields are NaN unless status is OK. */
export interface OlsFit {
  status: FitStatusCode;
  /** Slope (units of y per unit of x). */
  beta: number;
  /** Intercept (units of y). */
  alpha: number;
  /** 1 − SS_res/SS_tot of the unclipped fit; NaN when y has zero variance. */
  r2: number;
  /**
   * Standard error of beta, √(SS_res/(n−2) / Σ(x−x̄)²); NaN when n ≤ 2. SS_res comes from the moments
   * (C_yy − β·C_xy), so for a near-perfect fit (r² → 1) stderr carries an absolute error of order
   * √ε·std(y)/std(x) (≈ 1e-8 relative) instead of being exactly 0.
   */
  stderr: number;
  /** Rows where both series are present. */
  nObs: number;
}

/** Per-date results of {@link rollingOls}; NaN where status is not OK. */
export interface RollingOlsResult {
  beta: Float64Array;
  alpha: Float64Array;
  r2: Float64Array;
  stderr: Float64Array;
  nObs: Int32Array;
  status: Uint8Array;
}

/** Window parameters (trading days). */
export interface WindowParams {
  /** Window length N: the N trading dates ending at t inclusive. */
  window: number;
  /** Minimum usable observations for a fit. */
  minObs: number;
}

/** True when a population std is zero for practical purposes (see DEGENERATE_STD_ABS). */
export function isZeroStd(std: number, mean: number): boolean {
  return !(std > DEGENERATE_STD_ABS + DEGENERATE_STD_REL * Math.abs(mean));
}

/**
 * OLS from co-moments of (x, y): the shared closed form of the direct and rolling fits.
 *
 * @param n observation count.
 * @param mx mean of x; @param my mean of y.
 * @param cxx Σ(x−x̄)²; @param cxy Σ(x−x̄)(y−ȳ); @param cyy Σ(y−ȳ)².
 * @param minObs minimum n (below → INSUFFICIENT_HISTORY).
 */
export function olsFromMoments(n: number, mx: number, my: number, cxx: number, cxy: number, cyy: number, minObs: number): OlsFit {
  const fit: OlsFit = { status: FitStatus.OK, beta: NaN, alpha: NaN, r2: NaN, stderr: NaN, nObs: n };
  if (n < minObs || n < 2) {
    fit.status = FitStatus.INSUFFICIENT_HISTORY;
    return fit;
  }
  if (isZeroStd(Math.sqrt(Math.max(cxx, 0) / n), mx)) {
    fit.status = FitStatus.DEGENERATE_REGRESSOR;
    return fit;
  }
  const beta = cxy / cxx;
  const ssRes = Math.max(cyy - beta * cxy, 0);
  fit.beta = beta;
  fit.alpha = my - beta * mx;
  fit.r2 = cyy > 0 ? 1 - ssRes / cyy : NaN;
  fit.stderr = n > 2 ? Math.sqrt(ssRes / (n - 2) / cxx) : NaN;
  return fit;
}

/**
 * Direct (two-pass) OLS of y on x over the rows where both are finite.
 *
 * @param y dependent series; @param x regressor; same length, NaN = missing.
 * @param minObs minimum usable rows (default 2).
 * @throws RangeError when the lengths differ.
 */
export function olsFit(y: Float64Array, x: Float64Array, minObs = 2): OlsFit {
  if (y.length !== x.length) throw new RangeError(`olsFit: length ${y.length} != ${x.length}`);
  const rows: number[] = [];
  for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i]!) && Number.isFinite(x[i]!)) rows.push(i);
  const m = directComoments([x, y], rows);
  return olsFromMoments(m.n, m.mean[0]!, m.mean[1]!, m.c[0]!, m.c[1]!, m.c[3]!, minObs);
}

/**
 * Rolling OLS with intercept: for every date t, the fit over the `window` dates ending at t.
 *
 * Each date is a direct two-pass fit over its own window (O(T·window)), so the value at t depends only
 * on the rows of that window and has the same bits whatever the array starts with (SPEC §8); an
 * incremental update would carry rounding from the start of the array.
 *
 * For many symbols over a shared calendar use {@link SharedRegressorPanel} (factor-panel.ts): the
 * same numbers from per-block co-moments computed once, which is what the factor service runs;
 * this function is the simple per-series form and the reference the panel is tested against.
 *
 * @param y dependent returns, aligned to the calendar (NaN = missing).
 * @param x regressor returns, same alignment.
 * @returns per-date arrays (length T); status INSUFFICIENT_HISTORY when n_obs < minObs,
 *   DEGENERATE_REGRESSOR when x has zero variance over the window's usable rows.
 * @throws RangeError on length mismatch or window < 1.
 */
export function rollingOls(y: Float64Array, x: Float64Array, params: WindowParams): RollingOlsResult {
  const { window, minObs } = params;
  if (y.length !== x.length) throw new RangeError(`rollingOls: length ${y.length} != ${x.length}`);
  if (!(window >= 1)) throw new RangeError(`rollingOls: window must be >= 1, got ${window}`);
  const T = y.length;
  const out: RollingOlsResult = {
    beta: new Float64Array(T).fill(NaN),
    alpha: new Float64Array(T).fill(NaN),
    r2: new Float64Array(T).fill(NaN),
    stderr: new Float64Array(T).fill(NaN),
    nObs: new Int32Array(T),
    status: new Uint8Array(T),
  };
  const cols = [x, y];
  const rows: number[] = [];
  for (let t = 0; t < T; t++) {
    rows.length = 0;
    for (let i = Math.max(0, t - window + 1); i <= t; i++) if (Number.isFinite(y[i]!) && Number.isFinite(x[i]!)) rows.push(i);
    const m = directComoments(cols, rows);
    const f = olsFromMoments(m.n, m.mean[0]!, m.mean[1]!, m.c[0]!, m.c[1]!, m.c[3]!, minObs);
    out.nObs[t] = f.nObs;
    out.status[t] = f.status;
    out.beta[t] = f.beta;
    out.alpha[t] = f.alpha;
    out.r2[t] = f.r2;
    out.stderr[t] = f.stderr;
  }
  return out;
}
