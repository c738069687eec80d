import assert from "node:assert/strict";
import { test } from "node:test";
import { clipCorrelation, ewmaCovariance, ewmaWeights } from "./ewma.js";
import { simpleReturns } from "./returns.js";
import { assertClose, loadPricePanel, loadVectors } from "./testing/fixtures.js";
import type { EwmaVectors } from "./vectors.test-types.js";

test("EWMA weights: λ^k normalized, k = 0 is the newest", () => {
  const w = ewmaWeights(3, 0.5); // 0.25, 0.5, 1 over 1.75
  assert.deepEqual(Array.from(w), [0.25 / 1.75, 0.5 / 1.75, 1 / 1.75]);
  const w252 = ewmaWeights();
  assert.ok(Math.abs(w252.reduce((a, b) => a + b, 0) - 1) < 1e-14);
  assertClose(w252[251]! / w252[250]!, 1 / 0.94, { abs: 0, rel: 1e-14 }, "ratio");
});

test("weighted means removed: a tiny exact covariance", () => {
  // weights 1/3, 2/3 (λ = 0.5, W = 2): means 2/3·b + 1/3·a
  const x = Float64Array.from([1, 4]);
  const r = ewmaCovariance([x, x], 1, 2, 0.5)!;
  const mu = 1 / 3 + 8 / 3;
  const v = (1 / 3) * (1 - mu) ** 2 + (2 / 3) * (4 - mu) ** 2;
  assertClose(r.cov[0]!, v, { abs: 1e-15, rel: 1e-14 }, "var");
  assert.equal(r.corr[1], 1);
  assert.equal(ewmaCovariance([x], 0, 2, 0.5), null, "too short");
});

test("EWMA covariance and correlation match the numpy vectors", () => {
  const V = loadVectors<EwmaVectors>("ewma.json");
  const P = loadPricePanel();
  const series = V.etfs.map((s) => simpleReturns(P.closes.get(s)!));
  for (const [date, e] of Object.entries(V.rows)) {
    const t = P.dates.indexOf(date);
    const r = ewmaCovariance(series, t, V.window, V.lambda)!;
    const d = V.etfs.length;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        assertClose(r.cov[a * d + b]!, e.cov[a]![b]!, V.tolerance, `${date} cov ${a},${b}`);
        assertClose(r.corr[a * d + b]!, e.corr[a]![b]!, V.tolerance, `${date} corr ${a},${b}`);
      }
    }
  }
});

test("correlation clip keeps the diagonal and clips off-diagonals to ±0.95", () => {
  const c = clipCorrelation(Float64Array.from([1, 0.99, -0.97, 1]), 2);
  assert.deepEqual(Array.from(c), [1, 0.95, -0.95, 1]);
});
