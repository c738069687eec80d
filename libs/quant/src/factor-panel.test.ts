import assert from "node:assert/strict";
import { test } from "node:test";
import { weekBlockIds } from "./calendar-blocks.js";
import { SharedRegressorPanel, type PanelRegressionSpec } from "./factor-panel.js";
import { FitStatus } from "./fit-status.js";
import { rollingOls } from "./ols.js";
import { simpleReturns, spreadReturns } from "./returns.js";
import { rollingRidge } from "./ridge.js";
import { assertClose, loadPricePanel } from "./testing/fixtures.js";

const P = loadPricePanel();
const ret = (s: string): Float64Array => simpleReturns(P.closes.get(s)!);
const BASE = ["SPY", "TLT", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"];
const base = BASE.map(ret);
const unit = (s: string): number[] => BASE.map((b) => (b === s ? 1 : 0));
const specs: PanelRegressionSpec[] = [
  { id: "market", kind: "ols", regressors: [unit("SPY")], window: 90, minObs: 30 },
  { id: "style", kind: "ridge", regressors: ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"].map(unit), window: 90, minObs: 30, alpha: 1 },
  { id: "gv", kind: "ols", regressors: [BASE.map((b) => (b === "VUG" ? 1 : b === "VTV" ? -1 : 0))], window: 180, minObs: 60 },
];
const TOL = { abs: 1e-12, rel: 1e-10 };
/** Days since 1970-01-01 of an ISO date (UTC). */
const dayNumber = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
const blocks = weekBlockIds(P.dates.map(dayNumber));

test("panel equals the independent rolling fits for every symbol and date (fast path and fallback)", () => {
  const T = P.dates.length;
  const panel = new SharedRegressorPanel(base, specs, 0, T - 1, blocks);
  const styleX = ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"].map(ret);
  const gv = spreadReturns(ret("VUG"), ret("VTV"));
  const symbols = [...P.closes.keys()];
  for (const sym of symbols) {
    const y = ret(sym).slice();
    if (sym === "KO") y[500] = NaN; // an interior gap exercises the fallback in the middle of history
    panel.fitSymbol(y);
    const m = rollingOls(y, base[0]!, { window: 90, minObs: 30 });
    const s = rollingRidge(y, styleX, { window: 90, minObs: 30, alpha: 1 });
    const g = rollingOls(y, gv, { window: 180, minObs: 60 });
    const [om, os, og] = panel.outputs;
    for (let t = 0; t < T; t++) {
      for (const [o, r, k] of [
        [om!, m, 1],
        [og!, g, 1],
      ] as const) {
        assert.equal(o.status[t], r.status[t], `${sym} ${o.id} status @${t}`);
        assert.equal(o.nObs[t], r.nObs[t], `${sym} ${o.id} n @${t}`);
        if (r.status[t] !== FitStatus.OK) continue;
        assertClose(o.beta[t * k]!, r.beta[t]!, TOL, `${sym} ${o.id} beta @${t}`);
        assertClose(o.r2[t]!, r.r2[t]!, TOL, `${sym} ${o.id} r2 @${t}`);
        assertClose(o.alpha[t]!, r.alpha[t]!, TOL, `${sym} ${o.id} alpha @${t}`);
        assertClose(o.stderr[t]!, r.stderr[t]!, { abs: 1e-10, rel: 1e-8 }, `${sym} ${o.id} se @${t}`);
      }
      assert.equal(os!.status[t], s.status[t], `${sym} style status @${t}`);
      assert.equal(os!.nObs[t], s.nObs[t]);
      if (s.status[t] !== FitStatus.OK) continue;
      for (let j = 0; j < 6; j++) assertClose(os!.beta[t * 6 + j]!, s.betas[t * 6 + j]!, TOL, `${sym} style ${j} @${t}`);
      assertClose(os!.r2[t]!, s.r2[t]!, TOL, `${sym} style r2 @${t}`);
      assertClose(os!.alpha[t]!, s.intercept[t]!, TOL, `${sym} style intercept @${t}`);
    }
  }
  assert.ok(panel.fallbackFits > 0, "AVP/GWR/KO gaps must use the exact fallback");
});

test("base gaps (a whole block and single dates missing) still match the independent rolling fits", () => {
  const T = P.dates.length;
  const gappy = base.map((b) => b.slice());
  gappy[2]!.fill(NaN, 300, 315); // VTV missing for three weeks: empty blocks, partial blocks
  gappy[0]![420] = NaN; // one SPY return missing inside a block
  const panel = new SharedRegressorPanel(gappy, specs, 0, T - 1, blocks);
  const styleX = [2, 3, 4, 5, 6, 7].map((j) => gappy[j]!);
  const gv = spreadReturns(gappy[3]!, gappy[2]!);
  for (const sym of ["AAPL", "KO", "SPY", "VTV"]) {
    const y = ret(sym);
    panel.fitSymbol(y);
    const [om, os, og] = panel.outputs;
    const m = rollingOls(y, gappy[0]!, { window: 90, minObs: 30 });
    const st = rollingRidge(y, styleX, { window: 90, minObs: 30, alpha: 1 });
    const g = rollingOls(y, gv, { window: 180, minObs: 60 });
    for (let t = 0; t < T; t++) {
      for (const [o, r] of [
        [om!, m],
        [og!, g],
      ] as const) {
        assert.equal(o.status[t], r.status[t], `${sym} ${o.id} status @${t}`);
        assert.equal(o.nObs[t], r.nObs[t], `${sym} ${o.id} n @${t}`);
        if (r.status[t] !== FitStatus.OK) continue;
        assertClose(o.beta[t]!, r.beta[t]!, TOL, `${sym} ${o.id} beta @${t}`);
        assertClose(o.r2[t]!, r.r2[t]!, TOL, `${sym} ${o.id} r2 @${t}`);
      }
      assert.equal(os!.status[t], st.status[t], `${sym} style status @${t}`);
      if (st.status[t] !== FitStatus.OK) continue;
      for (let j = 0; j < 6; j++) assertClose(os!.beta[t * 6 + j]!, st.betas[t * 6 + j]!, TOL, `${sym} style ${j} @${t}`);
    }
  }
});

test("the block layout changes only rounding: one block (all direct sums) vs 1- and 2-week blocks", () => {
  const T = P.dates.length;
  const days = P.dates.map(dayNumber);
  const layouts = [new Int32Array(T), weekBlockIds(days, 1), blocks];
  const panels = layouts.map((ids) => new SharedRegressorPanel(base, specs, 200, T - 1, ids));
  for (const sym of ["AAPL", "MSFT", "TLT"]) {
    for (const p of panels) p.fitSymbol(ret(sym));
    const [ref, ...others] = panels.map((p) => p.outputs);
    for (const out of others) {
      out!.forEach((o, g) => {
        const r = ref![g]!;
        assert.deepEqual(o.status, r.status);
        assert.deepEqual(o.nObs, r.nObs);
        o.beta.forEach((b, i) => {
          if (!Number.isNaN(r.beta[i]!)) assertClose(b, r.beta[i]!, { abs: 1e-13, rel: 1e-11 }, `${sym} ${o.id} beta ${i}`);
        });
      });
    }
  }
});

test("outputs at a date are bit-identical whatever the panel range and the first loaded date", () => {
  const T = P.dates.length;
  const t0 = 600;
  const wide = new SharedRegressorPanel(base, specs, 400, T - 1, blocks);
  // history starting 300 dates later (block ids recomputed from the sliced dates) and a one-date range
  const h = 300;
  const sliced = base.map((b) => b.slice(h));
  const narrow = new SharedRegressorPanel(sliced, specs, t0 - h, t0 - h, weekBlockIds(P.dates.slice(h).map(dayNumber)));
  for (const sym of ["AAPL", "XOM", "SPY"]) {
    const y = ret(sym);
    wide.fitSymbol(y);
    narrow.fitSymbol(y.slice(h));
    wide.outputs.forEach((o, g) => {
      const n = narrow.outputs[g]!;
      for (let j = 0; j < o.k; j++) assert.ok(Object.is(o.beta[(t0 - 400) * o.k + j], n.beta[j]), `${sym} ${o.id} beta ${j}`);
      assert.ok(Object.is(o.r2[t0 - 400], n.r2[0]), `${sym} ${o.id} r2`);
      assert.ok(Object.is(o.alpha[t0 - 400], n.alpha[0]), `${sym} ${o.id} alpha`);
    });
  }
});

test("SPY market beta on the panel is exactly 1 (to 1e-12) on every fitted date", () => {
  const panel = new SharedRegressorPanel(base, specs, 30, P.dates.length - 1, blocks);
  panel.fitSymbol(ret("SPY"));
  const o = panel.outputs[0]!;
  for (let i = 0; i < panel.L; i++) {
    assert.equal(o.status[i], FitStatus.OK);
    assert.ok(Math.abs(o.beta[i]! - 1) <= 1e-12, `beta ${o.beta[i]}`);
    assert.ok(Math.abs(o.r2[i]! - 1) <= 1e-12);
  }
});

test("a flat regressor is degenerate on the panel", () => {
  const flat = base.map((b) => b.slice());
  flat[1]!.fill(0, 1); // TLT returns all 0 after the first date
  const panel = new SharedRegressorPanel(
    flat,
    [{ id: "ir", kind: "ols", regressors: [unit("TLT")], window: 90, minObs: 30 }],
    0,
    100,
    blocks,
  );
  panel.fitSymbol(ret("AAPL"));
  assert.equal(panel.outputs[0]!.status[50], FitStatus.DEGENERATE_REGRESSOR);
  assert.equal(panel.outputs[0]!.status[20], FitStatus.INSUFFICIENT_HISTORY);
});

test("rejects bad input", () => {
  assert.throws(() => new SharedRegressorPanel(base, specs, 5, 2, blocks), RangeError);
  assert.throws(() => new SharedRegressorPanel(base, [{ ...specs[0]!, regressors: [[1]] }], 0, 2, blocks), RangeError);
  assert.throws(() => new SharedRegressorPanel(base, specs, 0, 2, blocks.subarray(1)), RangeError);
  assert.throws(
    () =>
      new SharedRegressorPanel(
        base,
        specs,
        0,
        2,
        blocks.map((b, i) => (i === 5 ? b - 1 : b)),
      ),
    RangeError,
  );
  const p = new SharedRegressorPanel(base, specs, 0, 2, blocks);
  assert.throws(() => p.fitSymbol(new Float64Array(3)), RangeError);
});
