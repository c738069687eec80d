import assert from "node:assert/strict";
import { test } from "node:test";
import { portfolioExposures } from "./risk-exposures.js";
import { RISK_FACTOR_COUNT, riskFactorIndex } from "./risk-factors.js";

const K = RISK_FACTOR_COUNT;
const M = riskFactorIndex("market");
const MOM = riskFactorIndex("momentum");

/** n positions with one beta row each (the same beta for every factor unless overridden). */
function input(nav: number, mvs: number[], eligible: number[], beta: (i: number, f: number) => number) {
  const betas = new Float64Array(mvs.length * K);
  for (let i = 0; i < mvs.length; i++) for (let f = 0; f < K; f++) betas[i * K + f] = beta(i, f);
  return { nav, marketValue: Float64Array.from(mvs), eligible: Uint8Array.from(eligible), betas };
}

test("β = Σ w·β over covered eligible positions, signed weights, never rescaled; coverage by count and |MV|", () => {
  // long 600 (β 1.5), short −200 (β 2), uncovered 200 (stale fund, no beta), option 100 (ineligible, β 9)
  const r = portfolioExposures(input(1000, [600, -200, 200, 100], [1, 1, 1, 0], (i) => [1.5, 2, NaN, 9][i]!));
  assert.ok(Math.abs(r.beta[M]! - 0.5) < 1e-15, `${r.beta[M]}`); // 0.6·1.5 − 0.2·2, not rescaled by coverage
  assert.ok(Math.abs(r.dollarExposure[M]! - 500) < 1e-12);
  assert.equal(r.eligibleCount, 3);
  assert.equal(r.coveredCount[M], 2);
  assert.equal(r.coverageByCount[M], 2 / 3);
  assert.equal(r.coverageByValue[M], 800 / 1000);
  assert.equal(r.noCoverage[M], 0);
  assert.equal(r.dataQualityFailure, false);
});

test("a factor with no coverage: flagged, β and dollars 0; no beta at all is a portfolio data-quality failure", () => {
  const r = portfolioExposures(input(1000, [500, 300], [1, 1], (_i, f) => (f === MOM ? NaN : 1)));
  assert.equal(r.noCoverage[MOM], 1);
  assert.equal(r.beta[MOM], 0);
  assert.equal(r.dollarExposure[MOM], 0);
  assert.equal(r.coverageByCount[MOM], 0);
  assert.equal(r.dataQualityFailure, false, "other factors are covered");
  const none = portfolioExposures(input(1000, [500, 300], [1, 1], () => NaN));
  assert.equal(none.dataQualityFailure, true);
  assert.ok(none.noCoverage.every((x) => x === 1));
  const noEligible = portfolioExposures(input(1000, [500], [0], () => 1));
  assert.equal(noEligible.dataQualityFailure, false, "nothing eligible is not a failure");
  assert.ok(Number.isNaN(noEligible.coverageByCount[M]!) && noEligible.noCoverage[M] === 0);
});

test("scaling every position and the nav scales dollar exposures and leaves betas unchanged", () => {
  const beta = (i: number, f: number) => 0.3 + 0.1 * i - 0.05 * f;
  const a = portfolioExposures(input(1000, [600, -250, 400], [1, 1, 1], beta));
  const b = portfolioExposures(input(4000, [2400, -1000, 1600], [1, 1, 1], beta));
  for (let f = 0; f < K; f++) {
    assert.ok(Math.abs(b.beta[f]! - a.beta[f]!) < 1e-15);
    assert.ok(Math.abs(b.dollarExposure[f]! - 4 * a.dollarExposure[f]!) < 1e-9);
    assert.equal(b.coverageByValue[f], a.coverageByValue[f]);
  }
});

test("bad input is refused", () => {
  assert.throws(() => portfolioExposures(input(0, [1], [1], () => 1)), RangeError);
  assert.throws(() => portfolioExposures({ ...input(1, [1], [1], () => 1), eligible: new Uint8Array(2) }), RangeError);
});
