import assert from "node:assert/strict";
import { test } from "node:test";
import { realizedVolAt, rollingRealizedVol } from "./volatility.js";

test("realized vol of a tiny series: sample std × √252", () => {
  const r = Float64Array.from([0.01, -0.01, 0.02]); // mean 2/300, sample var = Σd²/2
  const m = 0.02 / 3;
  const v = ((0.01 - m) ** 2 + (-0.01 - m) ** 2 + (0.02 - m) ** 2) / 2;
  assert.ok(Math.abs(realizedVolAt(r, 2, 3) - Math.sqrt(v * 252)) < 1e-15);
  assert.ok(Math.abs(realizedVolAt(r, 2, 3, 12) - Math.sqrt(v * 12)) < 1e-15, "periods per year is a parameter");
});

test("needs all k returns", () => {
  const r = Float64Array.from([NaN, 0.01, 0.02, NaN, 0.01, 0.03, -0.02]);
  const v = rollingRealizedVol(r, 3);
  assert.deepEqual(Array.from(v, Number.isNaN), [true, true, true, true, true, true, false]);
  assert.ok(Number.isNaN(realizedVolAt(r, 1, 3)), "t − k + 1 < 0");
  assert.throws(() => realizedVolAt(r, 3, 1), RangeError);
});

test("constant returns have zero vol", () => {
  assert.equal(realizedVolAt(new Float64Array(5).fill(0.01), 4, 5), 0);
});
