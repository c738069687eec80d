import assert from "node:assert/strict";
import { test } from "node:test";
import { portfolioExposures } from "./risk-exposures.js";
import { FACTOR_ETFS, RISK_FACTOR_COUNT, RISK_FACTOR_IDS, type RiskFactorId, riskFactorIndex } from "./risk-factors.js";
import { conditionalEtfMoves, STRESS_SCENARIOS, stressScenario } from "./risk-stress.js";

const K = RISK_FACTOR_COUNT;
const f = (id: RiskFactorId) => riskFactorIndex(id);
const e = (s: (typeof FACTOR_ETFS)[number]) => FACTOR_ETFS.indexOf(s);

/** 8 × 8 covariance: diagonal `v`, plus the given symmetric off-diagonal entries. */
function cov(v: number, extra: [string, string, number][] = []): Float64Array {
  const c = new Float64Array(64);
  for (let i = 0; i < 8; i++) c[i * 8 + i] = v;
  for (const [a, b, x] of extra) {
    const i = e(a as never);
    const j = e(b as never);
    c[i * 8 + j] = c[j * 8 + i] = x;
  }
  return c;
}
function dollars(map: Partial<Record<RiskFactorId, number>>): Float64Array {
  const d = new Float64Array(K);
  for (const [k, v] of Object.entries(map)) d[f(k as RiskFactorId)] = v;
  return d;
}

test("the 22 scenarios: ids unique, the 3 replays inactive by default", () => {
  assert.equal(STRESS_SCENARIOS.length, 22);
  assert.equal(new Set(STRESS_SCENARIOS.map((s) => s.id)).size, 22);
  assert.deepEqual(
    STRESS_SCENARIOS.filter((s) => !s.activeByDefault).map((s) => s.id),
    ["financial_crisis_2008", "covid_crash_2020", "dotcom_crash_2000"],
  );
});

test("rate shock through duration: +100 bp → TLT −17 %, direct = IR dollars × −0.17", () => {
  const r = stressScenario({ id: "x", shocks: { ir: 0.01 } }, dollars({ ir: 1000, market: 5000 }), 10_000, null);
  assert.ok(Math.abs(r.direct.contributions[f("ir")]! + 170) < 1e-12);
  assert.ok(Math.abs(r.direct.total + 170) < 1e-12);
  assert.equal(r.correlated, null, "no EWMA covariance → no correlated impact");
  const d10 = stressScenario({ id: "x", shocks: { ir: 0.01 } }, dollars({ ir: 1000 }), 10_000, null, 10);
  assert.ok(Math.abs(d10.direct.total + 100) < 1e-12, "duration is a parameter");
});

test("correlated impact: unshocked ETFs move by Σ_US Σ_SS⁻¹ s; market not added; spreads reported only", () => {
  // SPY var 4e-4, VTV var 4e-4, cov(SPY, VTV) = 3e-4: a −10 % SPY shock moves VTV by −7.5 %
  const c = cov(4e-4, [["SPY", "VTV", 3e-4]]);
  const exp = dollars({ market: 1000, value: 200, growth: 100, ir: 50, growth_value_spread: 400 });
  const r = stressScenario({ id: "down", shocks: { market: -0.1 } }, exp, 10_000, c);
  const moves = r.correlated!.etfMoves;
  assert.equal(moves[e("SPY")], -0.1);
  assert.ok(Math.abs(moves[e("VTV")]! + 0.075) < 1e-15);
  assert.equal(moves[e("VUG")], 0);
  const cc = r.correlated!.contributions;
  assert.equal(cc[f("market")], 0);
  assert.ok(Math.abs(cc[f("value")]! + 15) < 1e-12);
  // the spread's implied move VUG − VTV = +7.5 %: reported, not in the total
  assert.ok(Math.abs(r.correlated!.spreadMoves[f("growth_value_spread")]! - 0.075) < 1e-15);
  assert.ok(Math.abs(cc[f("growth_value_spread")]! - 30) < 1e-12);
  assert.ok(Math.abs(r.correlated!.total + 15) < 1e-12);
  assert.ok(Math.abs(r.direct.total + 100) < 1e-12, "direct: market dollars × −10 %");
});

test("conditioning on several shocks solves Σ_SS; no shock moves nothing", () => {
  const c = cov(1e-4, [
    ["SPY", "IWM", 5e-5],
    ["TLT", "IWM", -2e-5],
  ]);
  const s = new Float64Array(8).fill(Number.NaN);
  s[e("SPY")] = -0.2;
  s[e("TLT")] = 0.05;
  const m = conditionalEtfMoves(c, s);
  // Σ_SS diagonal → IWM = 0.5·(−0.2) − 0.2·0.05
  assert.ok(Math.abs(m[e("IWM")]! - (0.5 * -0.2 - 0.2 * 0.05)) < 1e-15);
  assert.ok(conditionalEtfMoves(c, new Float64Array(8).fill(Number.NaN)).every((x) => x === 0));
});

test("a factor without coverage counts 0 dollars in the stress totals", () => {
  const betas = new Float64Array(2 * K).fill(1);
  betas[f("size")] = NaN;
  betas[K + f("size")] = NaN;
  const ex = portfolioExposures({ nav: 1000, marketValue: Float64Array.from([400, 400]), eligible: Uint8Array.from([1, 1]), betas });
  assert.equal(ex.noCoverage[f("size")], 1);
  const r = stressScenario({ id: "small", shocks: { size: 0.1 } }, ex.dollarExposure, 1000, cov(1e-4));
  assert.equal(r.direct.total, 0);
  assert.equal(r.correlated!.total, 0);
  // and a NaN dollar exposure handed in directly is also read as 0
  const nan = dollars({ market: 10 });
  nan[f("size")] = NaN;
  assert.equal(stressScenario({ id: "n", shocks: { size: 0.1 } }, nan, 1000, cov(1e-4)).direct.total, 0);
});

test("a loss beyond NAV is flagged, not clipped; pct_of_nav is signed", () => {
  const r = stressScenario(STRESS_SCENARIOS.find((s) => s.id === "market_crash_35")!, dollars({ market: 3000 }), 1000, null);
  assert.ok(Math.abs(r.direct.total + 1050) < 1e-9);
  assert.ok(Math.abs(r.direct.pctOfNav + 1.05) < 1e-12);
  assert.equal(r.direct.lossExceedsNav, true);
  const small = stressScenario(STRESS_SCENARIOS.find((s) => s.id === "market_down_5")!, dollars({ market: 3000 }), 1000, null);
  assert.equal(small.direct.lossExceedsNav, false);
  assert.ok(small.direct.pctOfNav < 0);
});

test("custom scenarios: any factor map; a spread shock is reported, not in totals and not conditioned on", () => {
  const r = stressScenario(
    { id: "c", shocks: { momentum: 0.1, size_spread: 0.05 } },
    dollars({ momentum: 100, size_spread: 1000 }),
    1000,
    cov(1e-4),
  );
  assert.ok(Math.abs(r.direct.contributions[f("size_spread")]! - 50) < 1e-12);
  assert.ok(Math.abs(r.direct.total - 10) < 1e-12);
  assert.deepEqual(r.unconditionedShocks, ["size_spread"]);
  const bad = { id: "bad", shocks: { markt: -0.1 } as never };
  assert.throws(() => stressScenario(bad, dollars({}), 1000, null), /unknown factor "markt"/);
  assert.throws(() => stressScenario({ id: "nan", shocks: { market: Number.NaN } }, dollars({}), 1000, null), RangeError);
});

test("scaling every position scales the stress totals (betas fixed)", () => {
  const betas = Float64Array.from({ length: 3 * K }, (_, i) => 0.2 + 0.07 * (i % 5));
  const c = cov(1e-4, [
    ["SPY", "VTV", 8e-5],
    ["SPY", "USMV", 6e-5],
    ["TLT", "SPY", -3e-5],
  ]);
  const run = (k: number) =>
    portfolioExposures({
      nav: 1000 * k,
      marketValue: Float64Array.from([500 * k, -200 * k, 300 * k]),
      eligible: Uint8Array.from([1, 1, 1]),
      betas,
    });
  const a = run(1);
  const b = run(5);
  for (const sc of STRESS_SCENARIOS) {
    const ra = stressScenario(sc, a.dollarExposure, 1000, c);
    const rb = stressScenario(sc, b.dollarExposure, 5000, c);
    assert.ok(Math.abs(rb.direct.total - 5 * ra.direct.total) < 1e-9, sc.id);
    assert.ok(Math.abs(rb.correlated!.total - 5 * ra.correlated!.total) < 1e-9, sc.id);
    assert.ok(Math.abs(rb.correlated!.pctOfNav - ra.correlated!.pctOfNav) < 1e-15, sc.id);
  }
  assert.equal(RISK_FACTOR_IDS.length, K);
});
