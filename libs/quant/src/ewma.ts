/**
 * EWMA covariance and correlation (SPEC §3 correlations, factors): weights λ^k for k = 0..W−1 (k = 0 is
 * the date t), normalized to sum 1; weighted means removed; no small-sample correction.
 */
import { CORRELATION_CLIP, EWMA_LAMBDA, EWMA_WINDOW } from "./constants.js";

/**
 * Normalized EWMA weights, oldest first: w[W−1−k] = λ^k / Σ_j λ^j.
 *
 * @param window W ≥ 1; @param lambda decay in (0, 1].
 */
export function ewmaWeights(window = EWMA_WINDOW, lambda = EWMA_LAMBDA): Float64Array {
  if (!(window >= 1)) throw new RangeError(`ewmaWeights: window must be >= 1, got ${window}`);
  if (!(lambda > 0 && lambda <= 1)) throw new RangeError(`ewmaWeights: lambda must be in (0, 1], got ${lambda}`);
  const w = new Float64Array(window);
  let sum = 0;
  for (let k = 0; k < window; k++) {
    const v = lambda ** k;
    w[window - 1 - k] = v;
    sum += v;
  }
  for (let i = 0; i < window; i++) w[i] = w[i]! / sum;
  return w;
}

/** EWMA covariance and correlation matrices (row-major d × d). */
export interface EwmaResult {
  d: number;
  /** Covariance of daily returns (decimal², per day). */
  cov: Float64Array;
  /** Correlation, unclipped; NaN on rows/columns of a zero-variance series. */
  corr: Float64Array;
}

/**
 * EWMA covariance of d return series over the `window` returns ending at t.
 *
 * @param series d return series aligned to the calendar.
 * @param t last index included.
 * @returns null when t − window + 1 < 0 or any return in the window is missing.
 */
export function ewmaCovariance(series: readonly Float64Array[], t: number, window = EWMA_WINDOW, lambda = EWMA_LAMBDA): EwmaResult | null {
  const d = series.length;
  const start = t - window + 1;
  if (start < 0) return null;
  for (const s of series) {
    if (t >= s.length) return null;
    for (let i = start; i <= t; i++) if (!Number.isFinite(s[i]!)) return null;
  }
  const w = ewmaWeights(window, lambda);
  const mu = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let m = 0;
    for (let i = 0; i < window; i++) m += w[i]! * series[j]![start + i]!;
    mu[j] = m;
  }
  const cov = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      let s = 0;
      const sa = series[a]!;
      const sb = series[b]!;
      for (let i = 0; i < window; i++) s += w[i]! * (sa[start + i]! - mu[a]!) * (sb[start + i]! - mu[b]!);
      cov[a * d + b] = s;
      cov[b * d + a] = s;
    }
  }
  return { d, cov, corr: covarianceToCorrelation(cov, d) };
}

/** Correlation from a covariance matrix (row-major d × d); NaN where a variance is 0. */
export function covarianceToCorrelation(cov: Float64Array, d: number): Float64Array {
  const corr = new Float64Array(d * d);
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      const den = Math.sqrt(cov[a * d + a]! * cov[b * d + b]!);
      corr[a * d + b] = a === b ? (den > 0 ? 1 : NaN) : den > 0 ? cov[a * d + b]! / den : NaN;
    }
  }
  return corr;
}

/**
 * Copy of a correlation matrix with the off-diagonal clipped to ±bound (diagonal untouched).
 *
 * @param bound default 0.95.
 */
export function clipCorrelation(corr: Float64Array, d: number, bound = CORRELATION_CLIP): Float64Array {
  const out = corr.slice();
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      if (a === b) continue;
      const v = out[a * d + b]!;
      out[a * d + b] = v > bound ? bound : Math.max(v, -bound);
    }
  }
  return out;
}
