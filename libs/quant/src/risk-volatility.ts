/**
 * Volatility analytics of one return series (SPEC §3 "Volatility (phase 5)", §3.1 "Volatility"):
 * realized vol 21/63, HAR direct forecasts (h = 1 and h = 21), the trend of RV21 and its percentile.
 *
 * One call computes every date of a series, so a symbol's series is computed once and shared by every
 * portfolio holding it; the portfolio series is the snapshots' daily_return with the first snapshot's
 * 0 replaced by NaN (it is not a return). All vols are annualized decimals (0.2 = 20 %).
 *
 * Readings of the spec where it leaves room (the most literal one each time):
 * - "Needs ≥ 63 returns": at least 63 defined returns at or before t (not 63 consecutive ones).
 * - HAR rows: among the rows s with s + h ≤ t whose features and target are all defined, the last 252
 *   (undefined rows do not use up the 252); the features at t must be defined too.
 * - The h = 21 target std(r_{s+1..s+21})·√252 is RV21 at s + 21 (all 21 returns needed).
 * - Trend: needs all of the last 21 RV21 values (t − 20..t), otherwise no trend (null); an undefined r²
 *   (flat RV21) gives `stable` as the spec says.
 * - Percentile: over the RV21 values defined in the 252 dates ending at t (t included); the denominator
 *   is their count, which must be ≥ 100.
 * - "No return on t → null" applies to every output of that date.
 */
import { TRADING_DAYS_PER_YEAR } from "./constants.js";
import { olsFromCenteredMoments, olsWithInterceptMinNorm } from "./min-norm-ols.js";
import { olsFit } from "./ols.js";
import { rollingRealizedVol } from "./volatility.js";

/** HAR training rows: at most the last 252 rows with s + h ≤ t. */
export const HAR_MAX_ROWS = 252;
/** HAR minimum training rows. */
export const HAR_MIN_ROWS = 30;
/** HAR needs at least this many returns up to t. */
export const HAR_MIN_RETURNS = 63;
/** Trend: OLS over the last 21 RV21 values. */
export const VOL_TREND_WINDOW = 21;
/** Trend labels need |slope| above this (annualized vol per trading day). */
export const VOL_TREND_MIN_SLOPE = 0.001;
/** Trend labels need r² above this. */
export const VOL_TREND_MIN_R2 = 0.3;
/** Percentile window: the trailing 252 RV21 values, t included. */
export const VOL_PERCENTILE_WINDOW = 252;
/** Percentile needs at least this many RV21 values in its window. */
export const VOL_PERCENTILE_MIN = 100;

/** Trend codes of {@link VolatilitySeries.trend}. */
export const VolTrend = { NONE: 0, STABLE: 1, INCREASING: 2, DECREASING: 3 } as const;
/** A {@link VolTrend} code. */
export type VolTrendCode = (typeof VolTrend)[keyof typeof VolTrend];

/** The spec's label of a trend code; null for NONE (no value on that date). */
export function volTrendLabel(code: number): "stable" | "increasing" | "decreasing" | null {
  if (code === VolTrend.STABLE) return "stable";
  if (code === VolTrend.INCREASING) return "increasing";
  if (code === VolTrend.DECREASING) return "decreasing";
  return null;
}

/** Per-date volatility analytics (arrays of the series' length; NaN / NONE = no value). */
export interface VolatilitySeries {
  /** Realized vol of the 21 returns ending at t (needs all 21). */
  rv21: Float64Array;
  /** Realized vol of the 63 returns ending at t (needs all 63). */
  rv63: Float64Array;
  /** HAR h = 1 forecast of |r_{t+1}|·√252, floored at 0. */
  harH1: Float64Array;
  /** HAR h = 21 forecast of std(r_{t+1..t+21})·√252, floored at 0. */
  harH21: Float64Array;
  /** OLS slope of the last 21 RV21 values on x = 0..20 (annualized vol per trading day). */
  trendSlope: Float64Array;
  /** r² of that fit; NaN when the 21 values are all equal (r² undefined → stable). */
  trendR2: Float64Array;
  /** {@link VolTrend} code per date. */
  trend: Uint8Array;
  /** Fraction of the trailing 252 RV21 values (t included) strictly below RV21_t, in [0, 1]. */
  percentile: Float64Array;
}

/** HAR features of a return series: RV_d, RV_w, RV_m per return date s (NaN when undefined). */
export interface HarFeatures {
  /** |r_s|·√252. */
  daily: Float64Array;
  /** std(r_{s−4..s})·√252 (sample std, all 5 returns needed). */
  weekly: Float64Array;
  /** std(r_{s−20..s})·√252 (sample std, all 21 returns needed) = RV21. */
  monthly: Float64Array;
}

/** HAR features for every date (see {@link HarFeatures}). */
export function harFeatures(returns: Float64Array, periodsPerYear = TRADING_DAYS_PER_YEAR): HarFeatures {
  const ann = Math.sqrt(periodsPerYear);
  const daily = new Float64Array(returns.length);
  for (let s = 0; s < returns.length; s++) daily[s] = Math.abs(returns[s]!) * ann; // NaN stays NaN
  return { daily, weekly: rollingRealizedVol(returns, 5, periodsPerYear), monthly: rollingRealizedVol(returns, 21, periodsPerYear) };
}

/**
 * HAR direct forecast for every date with horizon h: OLS with intercept of target_h(s) on
 * (RV_d, RV_w, RV_m)(s) over the last 252 rows s with s + h ≤ t where every feature and the target are
 * defined (minimum 30), applied to the features at t and floored at 0. A singular design uses the
 * minimum-norm solution, so a zero-vol series forecasts exactly 0.
 *
 * @param target target per row s: |r_{s+1}|·√252 (h = 1) or RV21 at s + 21 (h = 21), NaN when undefined.
 * @param from first index to forecast (earlier dates stay NaN; dates from it on are exactly those of a
 *   full pass: the training rows and the 63-return count still use the whole series).
 * @returns forecasts (NaN where r_t is missing, fewer than 63 returns exist up to t, a feature at t is
 *   undefined, or fewer than 30 training rows exist).
 */
export function harForecastSeries(returns: Float64Array, features: HarFeatures, target: Float64Array, h: number, from = 0): Float64Array {
  const T = returns.length;
  const out = new Float64Array(T).fill(NaN);
  const { daily: fd, weekly: fw, monthly: fm } = features;
  const defined = (s: number) => Number.isFinite(fd[s]!) && Number.isFinite(fw[s]!) && Number.isFinite(fm[s]!);
  const valid: number[] = []; // training-eligible rows, ascending
  for (let s = 0; s < T; s++) if (Number.isFinite(target[s]!) && defined(s)) valid.push(s);
  // The training window valid[lo..hi) only slides forward: its moments are recomputed two-pass at
  // every multiple of HAR_RESYNC_EVERY and updated row by row (Welford) in between. The schedule
  // depends on t alone and starts at the multiple at or before `from`, so a chunk (from > 0) gets
  // bit-for-bit a full pass's values while skipping the moments of the dates before it.
  const mom = new HarMoments(features, target);
  const t0 = Math.floor(from / HAR_RESYNC_EVERY) * HAR_RESYNC_EVERY;
  let hi = 0; // valid[0..hi) are the rows with s + h ≤ t
  let lo = 0;
  let count = 0;
  for (let t = 0; t < T; t++) {
    const hiBefore = hi;
    const loBefore = lo;
    while (hi < valid.length && valid[hi]! + h <= t) hi++;
    lo = Math.max(0, hi - HAR_MAX_ROWS);
    if (t >= t0) {
      if (t % HAR_RESYNC_EVERY === 0) mom.recompute(valid, lo, hi);
      else {
        for (let r = hiBefore; r < hi; r++) mom.add(valid[r]!);
        for (let r = loBefore; r < lo; r++) mom.remove(valid[r]!);
      }
    }
    if (!Number.isFinite(returns[t]!)) continue;
    count++;
    if (t < from || count < HAR_MIN_RETURNS || !defined(t)) continue;
    if (hi - lo < HAR_MIN_ROWS) continue;
    const coef = mom.fit() ?? olsWithInterceptMinNorm([fd, fw, fm], target, valid.slice(lo, hi));
    out[t] = Math.max(coef[0]! + coef[1]! * fd[t]! + coef[2]! * fw[t]! + coef[3]! * fm[t]!, 0);
  }
  return out;
}

/** Dates between exact two-pass recomputations of the HAR moments (bounds the running updates' drift). */
const HAR_RESYNC_EVERY = 64;

/**
 * Means and centered co-moments of (RV_d, RV_w, RV_m, target) over a set of training rows, updated
 * one row at a time (Welford's add and its exact inverse for removal). A row equal to the running
 * mean leaves every moment unchanged, so constant features stay exactly degenerate (the singular
 * design is still detected and solved with the minimum-norm fallback). Rounding drifts by ~1e-16 per
 * update; {@link HarMoments.recompute} rebuilds the moments two-pass (every 64 dates, see harForecastSeries).
 */
class HarMoments {
  n = 0;
  private readonly mean = new Float64Array(4);
  /** Row-major 4 × 4 co-moments Σ(x_a − x̄_a)(x_b − x̄_b) (symmetric; index 3 is the target). */
  private readonly c = new Float64Array(16);
  private readonly x = new Float64Array(4);
  private readonly delta = new Float64Array(4);

  constructor(
    private readonly f: HarFeatures,
    private readonly target: Float64Array,
  ) {}

  private load(s: number): void {
    this.x[0] = this.f.daily[s]!;
    this.x[1] = this.f.weekly[s]!;
    this.x[2] = this.f.monthly[s]!;
    this.x[3] = this.target[s]!;
  }

  add(s: number): void {
    this.load(s);
    this.n++;
    const { x, mean, delta, c, n } = this;
    for (let a = 0; a < 4; a++) {
      delta[a] = x[a]! - mean[a]!;
      mean[a] = mean[a]! + delta[a]! / n;
    }
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) c[a * 4 + b] = c[a * 4 + b]! + delta[a]! * (x[b]! - mean[b]!);
  }

  remove(s: number): void {
    this.load(s);
    const { x, mean, delta, c } = this;
    if (this.n <= 1) {
      this.n = 0;
      mean.fill(0);
      c.fill(0);
      return;
    }
    const n = this.n - 1;
    // delta = x − (mean without x); the co-moments use it against the deviation from the old mean.
    for (let a = 0; a < 4; a++) delta[a] = x[a]! - (mean[a]! - (x[a]! - mean[a]!) / n);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) c[a * 4 + b] = c[a * 4 + b]! - delta[a]! * (x[b]! - mean[b]!);
    for (let a = 0; a < 4; a++) mean[a] = x[a]! - delta[a]!;
    this.n = n;
  }

  /** The moments of rows valid[lo..hi) from scratch, two-pass (the reference computation). */
  recompute(valid: readonly number[], lo: number, hi: number): void {
    const { mean, c } = this;
    this.n = hi - lo;
    mean.fill(0);
    c.fill(0);
    if (this.n === 0) return;
    for (let r = lo; r < hi; r++) {
      this.load(valid[r]!);
      for (let a = 0; a < 4; a++) mean[a] = mean[a]! + this.x[a]!;
    }
    for (let a = 0; a < 4; a++) mean[a] = mean[a]! / this.n;
    for (let r = lo; r < hi; r++) {
      this.load(valid[r]!);
      for (let a = 0; a < 4; a++) {
        const da = this.x[a]! - mean[a]!;
        for (let b = 0; b <= a; b++) c[a * 4 + b] = c[a * 4 + b]! + da * (this.x[b]! - mean[b]!);
      }
    }
    for (let a = 0; a < 4; a++) for (let b = a + 1; b < 4; b++) c[a * 4 + b] = c[b * 4 + a]!;
  }

  /** OLS with intercept of the target on the three features from the moments, or null when singular. */
  fit(): Float64Array | null {
    const { c } = this;
    const cov = Float64Array.of(c[0]!, 0, 0, c[4]!, c[5]!, 0, c[8]!, c[9]!, c[10]!);
    return olsFromCenteredMoments(3, this.n, this.mean, cov, Float64Array.of(c[3]!, c[7]!, c[11]!));
  }
}

/**
 * Every volatility analytic of one daily return series, for all dates in one pass per statistic.
 *
 * @param returns daily simple returns (decimal) aligned to the series' dates, NaN = no return (for a
 *   portfolio: its daily_return with the first snapshot set to NaN).
 * @param from first index whose HAR forecasts, trend and percentile are wanted (a chunk's first date;
 *   RV21/RV63 are always filled; values from `from` on equal those of a full pass).
 * @returns per-date values; every field is NaN / NONE on a date without a return.
 */
export function volatilitySeries(returns: Float64Array, periodsPerYear = TRADING_DAYS_PER_YEAR, from = 0): VolatilitySeries {
  const T = returns.length;
  const feats = harFeatures(returns, periodsPerYear);
  const rv21 = feats.monthly;
  const rv63 = rollingRealizedVol(returns, 63, periodsPerYear);
  const target1 = new Float64Array(T).fill(NaN);
  const target21 = new Float64Array(T).fill(NaN);
  for (let s = 0; s + 1 < T; s++) target1[s] = feats.daily[s + 1]!;
  for (let s = 0; s + 21 < T; s++) target21[s] = rv21[s + 21]!;
  const out: VolatilitySeries = {
    rv21,
    rv63,
    harH1: harForecastSeries(returns, feats, target1, 1, from),
    harH21: harForecastSeries(returns, feats, target21, 21, from),
    trendSlope: new Float64Array(T).fill(NaN),
    trendR2: new Float64Array(T).fill(NaN),
    trend: new Uint8Array(T),
    percentile: new Float64Array(T).fill(NaN),
  };
  const x = Float64Array.from({ length: VOL_TREND_WINDOW }, (_, i) => i);
  for (let t = from; t < T; t++) {
    const cur = rv21[t]!;
    if (!Number.isFinite(returns[t]!) || !Number.isFinite(cur)) continue;
    if (t >= VOL_TREND_WINDOW - 1) {
      const y = rv21.subarray(t - VOL_TREND_WINDOW + 1, t + 1);
      let complete = true;
      for (let i = 0; i < y.length && complete; i++) complete = Number.isFinite(y[i]!);
      if (complete) {
        const fit = olsFit(y, x, VOL_TREND_WINDOW);
        out.trendSlope[t] = fit.beta;
        out.trendR2[t] = fit.r2;
        const labelled = Math.abs(fit.beta) > VOL_TREND_MIN_SLOPE && fit.r2 > VOL_TREND_MIN_R2;
        out.trend[t] = !labelled ? VolTrend.STABLE : fit.beta > 0 ? VolTrend.INCREASING : VolTrend.DECREASING;
      }
    }
    let n = 0;
    let below = 0;
    for (let i = Math.max(0, t - VOL_PERCENTILE_WINDOW + 1); i <= t; i++) {
      const v = rv21[i]!;
      if (!Number.isFinite(v)) continue;
      n++;
      if (v < cur) below++;
    }
    if (n >= VOL_PERCENTILE_MIN) out.percentile[t] = below / n;
  }
  return out;
}

/**
 * {@link volatilitySeries} of a portfolio: its snapshots' daily_return series (one value per snapshot
 * date, oldest first) without the first snapshot's 0, which is not a return (SPEC §3.1).
 *
 * @param dailyReturn daily_return of every snapshot (decimal), first snapshot included.
 * @param from see {@link volatilitySeries}.
 */
export function portfolioVolatilitySeries(dailyReturn: Float64Array, periodsPerYear = TRADING_DAYS_PER_YEAR, from = 0): VolatilitySeries {
  const r = dailyReturn.slice();
  if (r.length > 0) r[0] = NaN;
  return volatilitySeries(r, periodsPerYear, from);
}
