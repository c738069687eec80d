import assert from "node:assert/strict";
import { test } from "node:test";
import { olsWithInterceptMinNorm } from "./min-norm-ols.js";

const rows = (n: number) => Array.from({ length: n }, (_, i) => i);

test("full-rank design: the OLS solution (exact line y = 1 + 2·x1 − 3·x2)", () => {
  const x1 = Float64Array.from([0, 1, 2, 3, 4]);
  const x2 = Float64Array.from([1, 0, 1, 0, 2]);
  const y = x1.map((v, i) => 1 + 2 * v - 3 * x2[i]!);
  const c = olsWithInterceptMinNorm([x1, x2], y, rows(5));
  [1, 2, -3].forEach((want, j) => assert.ok(Math.abs(c[j]! - want) < 1e-12, `coef ${j}: ${c[j]}`));
});

test("singular design (duplicated regressor): the minimum-norm solution splits the slope equally", () => {
  // columns 1, x, x: every solution has b0 = 1 and b1 + b2 = 2; the minimum-norm one is b1 = b2 = 1
  const x = Float64Array.from([0, 1, 2, 3]);
  const y = x.map((v) => 1 + 2 * v);
  const c = olsWithInterceptMinNorm([x, x.slice()], y, rows(4));
  [1, 1, 1].forEach((want, j) => assert.ok(Math.abs(c[j]! - want) < 1e-12, `coef ${j}: ${c[j]}`));
});

test("zero-variance regressors and target: every coefficient is 0 (the intercept counts in the norm)", () => {
  const z = new Float64Array(40);
  const c = olsWithInterceptMinNorm([z, z, z], z, rows(40));
  assert.deepEqual(Array.from(c), [0, 0, 0, 0]);
});

test("constant regressor with a non-zero target: min-norm shares the level between intercept and column", () => {
  // columns 1 and 2·1: b0 + 2·b1 = 3, minimum norm → (b0, b1) = 3·(1, 2)/5
  const x = new Float64Array(10).fill(2);
  const y = new Float64Array(10).fill(3);
  const c = olsWithInterceptMinNorm([x], y, rows(10));
  assert.ok(Math.abs(c[0]! - 0.6) < 1e-12 && Math.abs(c[1]! - 1.2) < 1e-12, `${c[0]}, ${c[1]}`);
});

test("no rows: NaN coefficients", () => {
  assert.ok(olsWithInterceptMinNorm([new Float64Array(3)], new Float64Array(3), []).every(Number.isNaN));
});
