import assert from "node:assert/strict";
import { test } from "node:test";
import { olsWithInterceptMinNorm } from "./min-norm-ols.js";
import { harFeatures, harForecastSeries, portfolioVolatilitySeries, VolTrend, volatilitySeries, volTrendLabel } from "./risk-volatility.js";

const ANN = Math.sqrt(252);

test("a zero-vol series forecasts exactly 0 (singular design, min-norm), trend stable, percentile 0", () => {
  const r = new Float64Array(120); // every return 0
  const v = volatilitySeries(r);
  const t = 119;
  assert.equal(v.rv21[t], 0);
  assert.equal(v.harH1[t], 0);
  assert.equal(v.harH21[t], 0);
  assert.equal(v.trendSlope[t], 0);
  assert.ok(Number.isNaN(v.trendR2[t]!), "r² undefined on a flat RV21");
  assert.equal(volTrendLabel(v.trend[t]!), "stable");
  assert.equal(v.percentile[t], 0, "nothing is strictly below");
});

test("constant features (alternating ±a): the singular HAR design forecasts the constant target", () => {
  const a = 0.01;
  const r = Float64Array.from({ length: 150 }, (_, i) => (i === 0 ? NaN : i % 2 ? a : -a));
  const v = volatilitySeries(r);
  const t = 149;
  assert.ok(Math.abs(v.harH1[t]! - a * ANN) < 1e-12, `h1 ${v.harH1[t]}`);
  assert.ok(Math.abs(v.harH21[t]! - v.rv21[t]!) < 1e-12, `h21 ${v.harH21[t]} vs rv21 ${v.rv21[t]}`);
});

test("minimums: HAR needs 63 returns and 30 training rows; percentile needs 100 RV21 values", () => {
  const r = Float64Array.from({ length: 300 }, (_, i) => (i === 0 ? NaN : 0.01 * Math.sin(i * 1.7) + 0.002 * Math.cos(i * 0.3)));
  const v = volatilitySeries(r);
  // returns start at 1: the 63rd return is at index 63; h = 1 rows need RV_m (s ≥ 21) and s ≤ t − 1
  assert.ok(Number.isNaN(v.harH1[62]!) && Number.isFinite(v.harH1[63]!), "h1 starts with the 63rd return");
  // h = 21 rows: 21 ≤ s ≤ t − 21 → 30 rows first at t = 71
  assert.ok(Number.isNaN(v.harH21[70]!) && Number.isFinite(v.harH21[71]!), "h21 needs 30 rows");
  // RV21 exists from index 21; 100 values first at index 120
  assert.ok(Number.isNaN(v.percentile[119]!) && Number.isFinite(v.percentile[120]!), "percentile needs 100 values");
  // trend needs the last 21 RV21 values: first at 41
  assert.ok(v.trend[40] === VolTrend.NONE && v.trend[41] !== VolTrend.NONE);
  for (let t = 0; t < 300; t++) assert.ok(!(v.harH1[t]! < 0) && !(v.harH21[t]! < 0), "floored at 0");
});

test("no return on t: every analytic of that date is null", () => {
  const r = Float64Array.from({ length: 200 }, (_, i) => (i === 0 || i === 180 ? NaN : 0.01 * Math.sin(i)));
  const v = volatilitySeries(r);
  for (const k of ["rv21", "rv63", "harH1", "harH21", "trendSlope", "trendR2", "percentile"] as const) {
    assert.ok(Number.isNaN(v[k][180]!), k);
  }
  assert.equal(v.trend[180], VolTrend.NONE);
});

test("trend: a steadily rising vol is increasing, a falling one decreasing", () => {
  // returns ±a_i with a_i growing: RV21 rises roughly linearly
  const up = Float64Array.from({ length: 80 }, (_, i) => (i === 0 ? NaN : (i % 2 ? 1 : -1) * 0.001 * i));
  const v = volatilitySeries(up);
  assert.equal(volTrendLabel(v.trend[79]!), "increasing", `slope ${v.trendSlope[79]} r2 ${v.trendR2[79]}`);
  const down = Float64Array.from({ length: 80 }, (_, i) => (i === 0 ? NaN : (i % 2 ? 1 : -1) * 0.001 * (81 - i)));
  assert.equal(volTrendLabel(volatilitySeries(down).trend[79]!), "decreasing");
});

test("portfolio series: the first snapshot's 0 is not a return", () => {
  const dr = Float64Array.from({ length: 30 }, (_, i) => (i === 0 ? 0 : 0.01 * Math.sin(i)));
  const v = portfolioVolatilitySeries(dr);
  // returns start at snapshot 1, so the first RV21 is at index 21 (index 20 would include the 0)
  assert.ok(Number.isNaN(v.rv21[20]!) && Number.isFinite(v.rv21[21]!));
  assert.equal(dr[0], 0, "input untouched");
});

test("from: the dates from it on equal a full pass exactly (a chunk computes only its own dates)", () => {
  const r = Float64Array.from({ length: 600 }, (_, i) =>
    i === 0 || i % 97 === 0 ? NaN : 0.01 * Math.sin(i * 0.7) + 0.004 * Math.cos(i * 1.3),
  );
  const full = volatilitySeries(r);
  const part = volatilitySeries(r, undefined, 416);
  for (const k of ["rv21", "rv63", "harH1", "harH21", "trendSlope", "trendR2", "percentile"] as const) {
    for (let t = 416; t < 600; t++) assert.ok(Object.is(part[k][t], full[k][t]), `${k}[${t}]: ${part[k][t]} vs ${full[k][t]}`);
  }
  for (let t = 416; t < 600; t++) assert.equal(part.trend[t], full.trend[t]);
  assert.ok(Number.isFinite(full.harH1[415]!) && Number.isNaN(part.harH1[415]!), "earlier forecasts are skipped");
});

test("HAR forecasts from running moments equal a direct two-pass fit of every date's training window", () => {
  // 900 returns: gaps, a zero-vol stretch and a constant-|r| stretch (degenerate features) inside the
  // windows, so rows enter and leave across regime changes and the min-norm fallback is exercised.
  const r = Float64Array.from({ length: 900 }, (_, i) => {
    if (i === 0 || (i > 200 && i < 206) || i % 97 === 0) return NaN;
    if (i >= 300 && i < 380) return 0;
    if (i >= 500 && i < 560) return i % 2 ? 0.012 : -0.012;
    return 0.01 * Math.sin(i * 1.7) + 0.004 * Math.cos(i * 0.37) + 0.002 * Math.sin(i * i * 0.013);
  });
  const feats = harFeatures(r);
  const target1 = new Float64Array(r.length).fill(NaN);
  for (let s = 0; s + 1 < r.length; s++) target1[s] = feats.daily[s + 1]!;
  const got = harForecastSeries(r, feats, target1, 1);
  const defined = (s: number) => [feats.daily, feats.weekly, feats.monthly].every((f) => Number.isFinite(f[s]!));
  const valid: number[] = [];
  for (let s = 0; s < r.length; s++) if (Number.isFinite(target1[s]!) && defined(s)) valid.push(s);
  let compared = 0;
  let worst = 0;
  for (let t = 0; t < r.length; t++) {
    if (!Number.isFinite(got[t]!)) continue;
    const hi = valid.filter((s) => s + 1 <= t).length;
    const rows = valid.slice(Math.max(0, hi - 252), hi);
    const coef = olsWithInterceptMinNorm([feats.daily, feats.weekly, feats.monthly], target1, rows);
    const want = Math.max(coef[0]! + coef[1]! * feats.daily[t]! + coef[2]! * feats.weekly[t]! + coef[3]! * feats.monthly[t]!, 0);
    worst = Math.max(worst, Math.abs(got[t]! - want) / Math.max(1e-3, Math.abs(want)));
    compared++;
  }
  assert.ok(compared > 600, `only ${compared} dates forecast`);
  assert.ok(worst < 1e-9, `largest relative difference ${worst}`);
});
