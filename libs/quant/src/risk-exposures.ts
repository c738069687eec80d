/**
 * Position betas and portfolio factor exposures (SPEC §3 phases 3–4, §3.1 "Exposures").
 *
 * Weights are signed market value / nav for every factor (IR included), so shorts carry negative
 * weight. β_f sums only over covered positions and is never rescaled by coverage: an uncovered
 * position contributes nothing, and the coverage ratios tell how much of the book that is.
 *
 * Readings of the spec: with no covered position β_f is the empty sum 0 (so its dollars are 0, which the
 * stress rule "a factor without coverage counts 0" needs); with no eligible position the coverage ratios
 * are NaN (undefined) and nothing is flagged (an all-private book is not a data-quality failure); the
 * failure is flagged per factor and, for the portfolio, when no eligible position has any beta.
 */
import { RISK_FACTOR_COUNT } from "./risk-factors.js";

/** Inputs of {@link portfolioExposures}: n positions, factor betas row-major n × 12. */
export interface ExposureInput {
  /** Portfolio NAV on the date (currency units); weights are marketValue / nav. */
  nav: number;
  /** Signed market value per position (currency; shorts negative). */
  marketValue: Float64Array;
  /**
   * 1 when the position is eligible: active, PUBLIC and not an option, including stale and unpriced
   * positions (an unpriced mutual fund is eligible but uncovered); 0 otherwise.
   */
  eligible: Uint8Array;
  /**
   * Clipped symbol betas, row-major n × 12 in {@link RISK_FACTOR_IDS} order; NaN = the symbol has no
   * beta for (factor, date). Rows of ineligible positions are ignored.
   */
  betas: Float64Array;
}

/** Per-factor results (arrays of length 12 in {@link RISK_FACTOR_IDS} order). */
export interface ExposureResult {
  /** Portfolio β_f = Σ w_i β_{i,f} over covered eligible positions (0 when none is covered). */
  beta: Float64Array;
  /** β_f × nav (currency units). */
  dollarExposure: Float64Array;
  /** Eligible positions with a beta for f. */
  coveredCount: Int32Array;
  /** Eligible positions (same for every factor). */
  eligibleCount: number;
  /** coveredCount / eligibleCount, in [0, 1]; NaN when there is no eligible position. */
  coverageByCount: Float64Array;
  /** Σ|MV| of covered / Σ|MV| of eligible, in [0, 1]; NaN when that denominator is 0. */
  coverageByValue: Float64Array;
  /** 1 when there are eligible positions but none has a beta for f (a data-quality failure for f). */
  noCoverage: Uint8Array;
  /**
   * Portfolio-level data-quality failure: eligible positions exist but no eligible position has a beta
   * for any factor ("a portfolio with eligible positions but no betas", SPEC §3). Never a success.
   */
  dataQualityFailure: boolean;
}

/**
 * Portfolio factor exposures on one date.
 *
 * @throws RangeError when the array lengths disagree or nav is not a finite non-zero number.
 */
export function portfolioExposures(input: ExposureInput): ExposureResult {
  const { nav, marketValue, eligible, betas } = input;
  const n = marketValue.length;
  const k = RISK_FACTOR_COUNT;
  if (eligible.length !== n || betas.length !== n * k) {
    throw new RangeError(`portfolioExposures: ${n} market values, ${eligible.length} flags, ${betas.length} betas (want ${n * k})`);
  }
  if (!(Number.isFinite(nav) && nav !== 0)) throw new RangeError(`portfolioExposures: nav must be finite and non-zero, got ${nav}`);
  const out: ExposureResult = {
    beta: new Float64Array(k),
    dollarExposure: new Float64Array(k),
    coveredCount: new Int32Array(k),
    eligibleCount: 0,
    coverageByCount: new Float64Array(k),
    coverageByValue: new Float64Array(k),
    noCoverage: new Uint8Array(k),
    dataQualityFailure: false,
  };
  const coveredAbs = new Float64Array(k);
  let eligibleAbs = 0;
  let anyCovered = false;
  for (let i = 0; i < n; i++) {
    if (!eligible[i]) continue;
    const mv = marketValue[i]!;
    out.eligibleCount++;
    eligibleAbs += Math.abs(mv);
    const w = mv / nav;
    for (let f = 0; f < k; f++) {
      const b = betas[i * k + f]!;
      if (!Number.isFinite(b)) continue;
      out.beta[f] = out.beta[f]! + w * b;
      out.coveredCount[f] = out.coveredCount[f]! + 1;
      coveredAbs[f] = coveredAbs[f]! + Math.abs(mv);
      anyCovered = true;
    }
  }
  for (let f = 0; f < k; f++) {
    out.dollarExposure[f] = out.beta[f]! * nav;
    out.coverageByCount[f] = out.eligibleCount > 0 ? out.coveredCount[f]! / out.eligibleCount : NaN;
    out.coverageByValue[f] = eligibleAbs > 0 ? coveredAbs[f]! / eligibleAbs : NaN;
    out.noCoverage[f] = out.eligibleCount > 0 && out.coveredCount[f] === 0 ? 1 : 0;
  }
  out.dataQualityFailure = out.eligibleCount > 0 && !anyCovered;
  return out;
}
