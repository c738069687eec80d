import assert from "node:assert/strict";
import { test } from "node:test";
import { logReturns } from "./returns.js";
import { CorrelationWindow, correlationClusters, positionCorrelations, repairCorrelation } from "./risk-correlation.js";

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

test("running window sums (CorrelationWindow) give the stateless results over consecutive, skipped and gappy dates", () => {
  // 6 symbols over 400 dates: one with a gap (leaves and re-enters the window), one flat for a stretch,
  // one listed late; the held set changes on some dates; dates run forward with a jump.
  const T = 400;
  const rets = (k: number) => Array.from({ length: T - 1 }, (_, i) => wave(i, 0.3 + 0.37 * k) + 0.0004 * k);
  const series = [0, 1, 2, 3, 4, 5].map((k) => {
    const r = rets(k);
    if (k === 4) for (let i = 150; i < 260; i++) r[i] = 0; // flat stretch
    const c = closesFrom(r);
    if (k === 2) for (let i = 200; i < 206; i++) c[i] = NaN; // a gap
    if (k === 5) for (let i = 0; i < 120; i++) c[i] = NaN; // listed late
    return c;
  });
  const input = series.map((c, k) => ({ ...sym(`S${k}`, c, 0.1 + 0.01 * k), returns: logReturns(c) }));
  const window = new CorrelationWindow();
  const dates = [...Array.from({ length: 250 }, (_, i) => 95 + i), ...Array.from({ length: 40 }, (_, i) => 355 + i)];
  let worst = 0;
  for (const t of dates) {
    const held = t % 17 === 0 ? input.slice(1) : input; // S0 not held on some dates
    const want = positionCorrelations(held, t);
    const got = positionCorrelations(held, t, window);
    assert.deepEqual(got.symbols, want.symbols, `t=${t}`);
    assert.deepEqual(Array.from(got.overlap), Array.from(want.overlap), `t=${t}`);
    assert.equal(got.repaired, want.repaired, `t=${t}`);
    for (let i = 0; i < want.raw.length; i++) worst = Math.max(worst, Math.abs(got.raw[i]! - want.raw[i]!));
    assert.ok(Math.abs(got.minEigenvalue - want.minEigenvalue) < 1e-12, `t=${t}`);
    assert.ok(
      Object.is(got.diversificationRatio, want.diversificationRatio) ||
        Math.abs(got.diversificationRatio - want.diversificationRatio) < 1e-12,
    );
    // the flat stretch of S4 is exactly flat: its pairs are 0 in both
    if (t >= 240 && t < 260) {
      const i = want.symbols.indexOf("S4");
      if (i >= 0) for (let j = 0; j < want.symbols.length; j++) if (j !== i) assert.equal(got.raw[i * want.symbols.length + j], 0);
    }
  }
  assert.ok(worst < 1e-12, `largest |Δρ| ${worst}`);
});
