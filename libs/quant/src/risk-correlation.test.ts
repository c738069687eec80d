import assert from "node:assert/strict";
import { test } from "node:test";
import { correlationClusters, positionCorrelations, repairCorrelation } from "./risk-correlation.js";

/** Closes from log returns r (r[i−1] is the return at index i), present only on indices from..to. */
function closesFrom(rets: number[], from = 0, to = rets.length): Float64Array {
  const out = new Float64Array(rets.length + 1).fill(NaN);
  let c = 100;
  for (let i = 0; i <= rets.length; i++) {
    if (i > 0) c *= Math.exp(rets[i - 1]!);
    if (i >= from && i <= to) out[i] = c;
  }
  return out;
}
const wave = (i: number, k: number) => 0.01 * Math.sin(i * k) + 0.003 * Math.cos(i * (k + 0.7));
const sym = (symbol: string, closes: Float64Array, weight = 0.2, mv = 1e6) => ({ symbol, weight, absMarketValue: mv, closes });

test("a non-PSD matrix is repaired: eigenvalues clipped, unit diagonal, symmetric, PSD", () => {
  const c = Float64Array.from([1, 0.9, -0.9, 0.9, 1, 0.9, -0.9, 0.9, 1]);
  const r = repairCorrelation(c, 3);
  assert.ok(r.minEigenvalue < -1e-10 && r.repaired);
  for (let i = 0; i < 3; i++) {
    assert.equal(r.matrix[i * 3 + i], 1);
    for (let j = 0; j < 3; j++) assert.equal(r.matrix[i * 3 + j], r.matrix[j * 3 + i]);
  }
  const again = repairCorrelation(r.matrix, 3);
  assert.ok(again.minEigenvalue > -1e-10 && !again.repaired, `λ_min after repair ${again.minEigenvalue}`);
  // a PSD matrix is returned unchanged
  const ok = repairCorrelation(Float64Array.from([1, 0.5, 0.5, 1]), 2);
  assert.deepEqual(Array.from(ok.matrix), [1, 0.5, 0.5, 1]);
  assert.ok(!ok.repaired);
});

test("a pair with overlap 29 is 0 before repair; overlap 30 gives its Pearson value", () => {
  // A has returns 1..40, B has returns 12..90 (window of 90 returns ending at t = 90): overlap 12..40 = 29
  const base = Array.from({ length: 90 }, (_, i) => wave(i, 1.3));
  const a = closesFrom(base, 0, 40);
  const b = closesFrom(base, 11, 90);
  const r29 = positionCorrelations([sym("A", a), sym("B", b)], 90);
  assert.deepEqual(Array.from(r29.nReturns), [40, 79]);
  assert.equal(r29.overlap[1], 29);
  assert.equal(r29.raw[1], 0);
  const b30 = closesFrom(base, 10, 90);
  const r30 = positionCorrelations([sym("A", a), sym("B", b30)], 90);
  assert.equal(r30.overlap[1], 30);
  assert.ok(Math.abs(r30.raw[1]! - 1) < 1e-12, "identical returns on the overlap");
  assert.deepEqual(r30.clusters, [[0, 1]]);
});

test("filters and exclusion reasons: weight 1 %, value 10 000, no / few returns", () => {
  const full = closesFrom(Array.from({ length: 90 }, (_, i) => wave(i, 0.9)));
  const few = closesFrom(
    Array.from({ length: 90 }, (_, i) => wave(i, 0.4)),
    61,
    90,
  ); // 29 returns
  const r = positionCorrelations(
    [
      sym("SMALLW", full, -0.0099),
      sym("EDGEW", full, -0.01), // |w| = 1 % is kept
      sym("SMALLV", full, 0.5, 9_999.99),
      sym("NONE", new Float64Array(91).fill(NaN)),
      sym("FEW", few),
      sym("OK", closesFrom(Array.from({ length: 90 }, (_, i) => wave(i, 2.1)))),
    ],
    90,
  );
  assert.deepEqual(r.symbols, ["EDGEW", "OK"]);
  assert.deepEqual(
    r.excluded.map((x) => [x.symbol, x.reason, x.nReturns]),
    [
      ["SMALLW", "BELOW_MIN_WEIGHT", 0],
      ["SMALLV", "BELOW_MIN_VALUE", 0],
      ["NONE", "NO_RETURNS", 0],
      ["FEW", "FEW_RETURNS", 29],
    ],
  );
});

test("diversification ratio uses |weights|: a long and a short of perfectly correlated symbols give 1", () => {
  const base = Array.from({ length: 90 }, (_, i) => wave(i, 1.1));
  const x = closesFrom(base);
  const y = closesFrom(base.map((v) => 2 * v)); // σ_Y = 2σ_X, ρ = 1
  const r = positionCorrelations([sym("X", x, 0.3), sym("Y", y, -0.15)], 90);
  assert.ok(Math.abs(r.raw[1]! - 1) < 1e-12);
  // signed weights would give σ_p = 0.3σ − 0.3σ = 0; with |w| normalized, σ_p = Σ a_i σ_i
  assert.ok(Math.abs(r.diversificationRatio - 1) < 1e-12, `${r.diversificationRatio}`);
  assert.ok(Math.abs(r.averageAbsCorrelation - 1) < 1e-12);
  const single = positionCorrelations([sym("X", x)], 90);
  assert.equal(single.diversificationRatio, 1);
  assert.ok(Number.isNaN(single.averageAbsCorrelation));
});

test("clusters are components of |ρ| ≥ 0.7 (inclusive) with size ≥ 2", () => {
  const m = Float64Array.from([1, 0.7, 0, 0, 0.7, 1, -0.8, 0, 0, -0.8, 1, 0.69, 0, 0, 0.69, 1]);
  assert.deepEqual(correlationClusters(m, 4), [[0, 1, 2]]);
});

test("scaling every position leaves the correlations unchanged", () => {
  const cs = [1.3, 0.7, 2.9].map((k) => closesFrom(Array.from({ length: 90 }, (_, i) => wave(i, k) + 0.5 * wave(i, 1.3))));
  const run = (s: number) =>
    positionCorrelations(
      cs.map((c, i) => sym(`S${i}`, c, 0.1 * (i + 1), 50_000 * s * (i + 1))),
      90,
    );
  const a = run(1);
  const b = run(7);
  assert.deepEqual(Array.from(a.matrix), Array.from(b.matrix));
  assert.equal(a.diversificationRatio, b.diversificationRatio);
});
