import assert from "node:assert/strict";
import { test } from "node:test";
import { SimpleLinearRegression } from "ml-regression-simple-linear";
import { FitStatus } from "./fit-status.js";
import { olsFit, rollingOls } from "./ols.js";
import { simpleReturns, spreadReturns } from "./returns.js";
import { assertClose, loadPricePanel, loadVectors } from "./testing/fixtures.js";
import type { FactorVectors } from "./vectors.test-types.js";

const V = loadVectors<FactorVectors>("factors.json");
const P = loadPricePanel();
const ret = (s: string): Float64Array => simpleReturns(P.closes.get(s)!);

test("exact line: y = 1 + 2x gives beta 2, alpha 1, r2 1, stderr ~0", () => {
  const x = Float64Array.from([0.01, -0.02, 0.03, 0.005, -0.01]);
  const y = x.map((v) => 1 + 2 * v);
  const f = olsFit(y, x);
  assert.equal(f.status, FitStatus.OK);
  assert.ok(Math.abs(f.beta - 2) < 1e-12 && Math.abs(f.alpha - 1) < 1e-12);
  // stderr = √(SS_res/…) of a cancelled difference: near a perfect fit it is accurate to ~√ε only
  assert.ok(Math.abs(f.r2 - 1) < 1e-12 && f.stderr < 1e-7);
});

test("tiny series with a hand-computed fit", () => {
  // x = 1,2,3 ; y = 1,3,2: x̄=2, ȳ=2, Sxy = 1, Sxx = 2 → β = 0.5, α = 1, SS_res = 2 − 0.5 = 1.5, r² = 0.25
  const f = olsFit(Float64Array.from([1, 3, 2]), Float64Array.from([1, 2, 3]));
  assert.equal(f.beta, 0.5);
  assert.equal(f.alpha, 1);
  assert.equal(f.r2, 0.25);
  assert.ok(Math.abs(f.stderr - Math.sqrt(1.5 / 1 / 2)) < 1e-15);
});

test("zero-variance regressor is degenerate; short window is insufficient", () => {
  const x = new Float64Array(40).fill(0.001);
  const y = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i) / 100);
  assert.equal(olsFit(y, x).status, FitStatus.DEGENERATE_REGRESSOR);
  const r = rollingOls(y, x, { window: 90, minObs: 30 });
  assert.equal(r.status[28], FitStatus.INSUFFICIENT_HISTORY);
  assert.equal(r.status[29], FitStatus.DEGENERATE_REGRESSOR);
});

test("agrees with ml-regression SimpleLinearRegression on a real window", () => {
  const y = ret("AAPL").subarray(1, 91);
  const x = ret("SPY").subarray(1, 91);
  const ref = new SimpleLinearRegression(Array.from(x), Array.from(y));
  const f = olsFit(y, x);
  assertClose(f.beta, ref.slope, { abs: 1e-12, rel: 1e-10 }, "slope");
  assertClose(f.alpha, ref.intercept, { abs: 1e-12, rel: 1e-10 }, "intercept");
});

test("rolling OLS matches the direct fit on every date (incl. gaps)", () => {
  const x = ret("SPY");
  for (const sym of ["NVDA", "GWR", "AVP"]) {
    const y = ret(sym).slice();
    y[400] = NaN; // an interior gap too
    const r = rollingOls(y, x, { window: 90, minObs: 30 });
    for (let t = 0; t < y.length; t++) {
      const lo = Math.max(0, t - 89);
      const d = olsFit(y.subarray(lo, t + 1), x.subarray(lo, t + 1), 30);
      assert.equal(r.status[t], d.status, `${sym} status @${t}`);
      assert.equal(r.nObs[t], d.nObs);
      if (d.status !== FitStatus.OK) continue;
      assertClose(r.beta[t]!, d.beta, { abs: 1e-13, rel: 1e-11 }, `${sym} beta @${t}`);
      assertClose(r.r2[t]!, d.r2, { abs: 1e-13, rel: 1e-11 }, `${sym} r2 @${t}`);
      assertClose(r.stderr[t]!, d.stderr, { abs: 1e-13, rel: 1e-11 }, `${sym} se @${t}`);
    }
  }
});

test("rolling OLS reproduces statsmodels vectors (market, ir, spreads)", () => {
  const specs: [string, Float64Array, number, number][] = [
    ["market", ret("SPY"), 90, 30],
    ["ir", ret("TLT"), 90, 30],
    ["growth_value_spread", spreadReturns(ret("VUG"), ret("VTV")), 180, 60],
    ["momentum_spread", spreadReturns(ret("MTUM"), ret("SPY")), 180, 60],
    ["size_spread", spreadReturns(ret("IWM"), ret("SPY")), 180, 60],
    ["quality_spread", spreadReturns(ret("QUAL"), ret("SPY")), 180, 60],
  ];
  let checked = 0;
  for (const sym of V.symbols) {
    const y = ret(sym);
    for (const [fid, x, window, minObs] of specs) {
      const r = rollingOls(y, x, { window, minObs });
      for (const [date, { index }] of Object.entries(V.dates)) {
        const e = V.rows[date]![sym]![fid]!;
        const what = `${sym} ${fid} ${date}`;
        assert.equal(r.nObs[index], e.n_obs, `${what} n_obs`);
        if (e.skip) {
          assert.equal(r.status[index], FitStatus[e.skip], what);
          continue;
        }
        assert.equal(r.status[index], FitStatus.OK, what);
        assertClose(r.beta[index]!, e.beta!, V.tolerance, `${what} beta`);
        assertClose(r.alpha[index]!, e.alpha!, V.tolerance, `${what} alpha`);
        assertClose(r.r2[index]!, e.r2!, V.tolerance, `${what} r2`);
        assertClose(r.stderr[index]!, e.stderr!, V.tolerance, `${what} stderr`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `checked ${checked}`);
});

test("invariances: SPY on SPY is 1; scaling y scales beta; shifting y keeps beta", () => {
  const x = ret("SPY");
  const self = rollingOls(x, x, { window: 90, minObs: 30 });
  for (let t = 30; t < x.length; t++) {
    assert.ok(Math.abs(self.beta[t]! - 1) <= 1e-12, `SPY beta @${t} = ${self.beta[t]}`);
  }
  const y = ret("JPM");
  const base = rollingOls(y, x, { window: 90, minObs: 30 });
  const scaled = rollingOls(
    y.map((v) => 3.5 * v),
    x,
    { window: 90, minObs: 30 },
  );
  const shifted = rollingOls(
    y.map((v) => v + 0.25),
    x,
    { window: 90, minObs: 30 },
  );
  for (let t = 30; t < x.length; t++) {
    assertClose(scaled.beta[t]!, 3.5 * base.beta[t]!, { abs: 1e-13, rel: 1e-11 }, `scaled @${t}`);
    assertClose(scaled.r2[t]!, base.r2[t]!, { abs: 1e-12, rel: 0 }, `scaled r2 @${t}`);
    assertClose(shifted.beta[t]!, base.beta[t]!, { abs: 1e-12, rel: 1e-10 }, `shifted @${t}`);
  }
});
