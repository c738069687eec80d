import assert from "node:assert/strict";
import { test } from "node:test";
import { FitStatus } from "./fit-status.js";
import { olsFit } from "./ols.js";
import { simpleReturns } from "./returns.js";
import { ridgeFit, rollingRidge } from "./ridge.js";
import { assertClose, loadPricePanel, loadVectors } from "./testing/fixtures.js";
import type { FactorVectors } from "./vectors.test-types.js";

const V = loadVectors<FactorVectors>("factors.json");
const P = loadPricePanel();
const ret = (s: string): Float64Array => simpleReturns(P.closes.get(s)!);
const STYLE = ["value", "growth", "momentum", "quality", "size", "low_volatility"];
const STYLE_ETFS = ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"];
const X = STYLE_ETFS.map(ret);

test("one regressor, hand-computed: b = Σzy / (Σz² + α), beta = b / std", () => {
  // x = 1,2,3 (pop std √(2/3)), y = 1,3,2: z = (x−2)/√(2/3); Σz² = 3, Σz·y = 1/√(2/3)
  const f = ridgeFit(Float64Array.from([1, 3, 2]), [Float64Array.from([1, 2, 3])], 1.0, 2);
  const s = Math.sqrt(2 / 3);
  const b = 1 / s / (3 + 1);
  assertClose(f.betas[0]!, b / s, { abs: 1e-15, rel: 1e-14 }, "beta");
  assertClose(f.intercept, 2 - (b / s) * 2, { abs: 1e-15, rel: 1e-14 }, "intercept");
  // SS_res = Σ(y_c − b z)² = 2 − 2b/s + 3b²
  assertClose(f.r2, 1 - (2 - (2 * b) / s + 3 * b * b) / 2, { abs: 1e-15, rel: 1e-14 }, "r2");
});

test("alpha = 0 reduces to OLS", () => {
  const y = ret("XOM").subarray(1, 91);
  const f = ridgeFit(y, [ret("SPY").subarray(1, 91)], 0, 2);
  const o = olsFit(y, ret("SPY").subarray(1, 91));
  assertClose(f.betas[0]!, o.beta, { abs: 1e-14, rel: 1e-12 }, "beta");
  assertClose(f.r2, o.r2, { abs: 1e-14, rel: 0 }, "r2");
});

test("zero-variance column is degenerate; n must exceed k", () => {
  const n = 40;
  const xs = X.map((x) => x.slice(1, n + 1));
  xs[2] = new Float64Array(n).fill(0.002);
  assert.equal(ridgeFit(ret("JPM").slice(1, n + 1), xs).status, FitStatus.DEGENERATE_REGRESSOR);
  const few = ridgeFit(
    ret("JPM").slice(1, 7),
    X.map((x) => x.slice(1, 7)),
    1,
    1,
  );
  assert.equal(few.status, FitStatus.INSUFFICIENT_HISTORY, "n = 6 = k");
});

test("rolling ridge matches the direct fit on every date (incl. gaps)", () => {
  for (const sym of ["AAPL", "AVP"]) {
    const y = ret(sym).slice();
    y[300] = NaN;
    const r = rollingRidge(y, X, { window: 90, minObs: 30 });
    for (let t = 0; t < y.length; t++) {
      const lo = Math.max(0, t - 89);
      const d = ridgeFit(
        y.subarray(lo, t + 1),
        X.map((x) => x.subarray(lo, t + 1)),
        1.0,
        30,
      );
      assert.equal(r.status[t], d.status, `${sym} @${t}`);
      assert.equal(r.nObs[t], d.nObs);
      if (d.status !== FitStatus.OK) continue;
      for (let j = 0; j < 6; j++) assertClose(r.betas[t * 6 + j]!, d.betas[j]!, { abs: 1e-12, rel: 1e-10 }, `${sym} b${j} @${t}`);
      assertClose(r.r2[t]!, d.r2, { abs: 1e-12, rel: 1e-10 }, `${sym} r2 @${t}`);
    }
  }
});

test("rolling ridge reproduces sklearn StandardScaler + Ridge(alpha=1) vectors", () => {
  let checked = 0;
  for (const sym of V.symbols) {
    const r = rollingRidge(ret(sym), X, { window: 90, minObs: 30, alpha: 1.0 });
    for (const [date, { index }] of Object.entries(V.dates)) {
      for (let j = 0; j < 6; j++) {
        const e = V.rows[date]![sym]![STYLE[j]!]!;
        const what = `${sym} ${STYLE[j]} ${date}`;
        assert.equal(r.nObs[index], e.n_obs, `${what} n_obs`);
        if (e.skip) {
          assert.equal(r.status[index], FitStatus[e.skip], what);
          continue;
        }
        assertClose(r.betas[index * 6 + j]!, e.beta!, V.tolerance, `${what} beta`);
        assertClose(r.r2[index]!, e.r2!, V.tolerance, `${what} r2`);
        assertClose(r.intercept[index]!, e.intercept!, V.tolerance, `${what} intercept`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `checked ${checked}`);
});

test("invariances: scaling y scales betas, shifting y keeps them", () => {
  const y = ret("MSFT");
  const base = rollingRidge(y, X, { window: 90, minObs: 30 });
  const scaled = rollingRidge(
    y.map((v) => -2 * v),
    X,
    { window: 90, minObs: 30 },
  );
  const shifted = rollingRidge(
    y.map((v) => v + 1),
    X,
    { window: 90, minObs: 30 },
  );
  for (let i = 30 * 6; i < base.betas.length; i++) {
    assertClose(scaled.betas[i]!, -2 * base.betas[i]!, { abs: 1e-13, rel: 1e-10 }, `scaled ${i}`);
    assertClose(shifted.betas[i]!, base.betas[i]!, { abs: 1e-12, rel: 1e-9 }, `shifted ${i}`);
  }
});
