import assert from "node:assert/strict";
import { test } from "node:test";
import { lstsqMinNorm } from "./lstsq.js";

test("full rank: ordinary least squares", () => {
  // y = 1 + 2x exactly
  const x = lstsqMinNorm(
    [
      [1, 0],
      [1, 1],
      [1, 2],
    ],
    [1, 3, 5],
  );
  assert.ok(Math.abs(x[0]! - 1) < 1e-12 && Math.abs(x[1]! - 2) < 1e-12);
});

test("singular design: the minimum-norm solution", () => {
  // duplicated column: any (a, b) with a + b = 2 fits y = 2x; the minimum norm is a = b = 1
  const x = lstsqMinNorm(
    [
      [1, 1],
      [2, 2],
      [3, 3],
    ],
    [2, 4, 6],
  );
  assert.ok(Math.abs(x[0]! - 1) < 1e-12 && Math.abs(x[1]! - 1) < 1e-12, `${x[0]}, ${x[1]}`);
  // all-zero column gets 0
  const z = lstsqMinNorm(
    [
      [1, 0],
      [1, 0],
      [1, 0],
    ],
    [1, 2, 3],
  );
  assert.ok(Math.abs(z[0]! - 2) < 1e-12 && Math.abs(z[1]!) < 1e-12);
});

test("rejects mismatched shapes", () => {
  assert.throws(() => lstsqMinNorm([[1]], [1, 2]), RangeError);
  assert.throws(() => lstsqMinNorm([], []), RangeError);
});
