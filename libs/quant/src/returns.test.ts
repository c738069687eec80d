import assert from "node:assert/strict";
import { test } from "node:test";
import { logReturns, simpleReturns, spreadReturns } from "./returns.js";

test("simple returns on consecutive closes", () => {
  const r = simpleReturns(Float64Array.from([100, 110, 99]));
  assert.ok(Number.isNaN(r[0]));
  assert.equal(r[1], 110 / 100 - 1);
  assert.equal(r[2], 99 / 110 - 1);
});

test("no return across a missing close", () => {
  const r = simpleReturns(Float64Array.from([100, NaN, 102, 103]));
  assert.ok(Number.isNaN(r[1]!));
  assert.ok(Number.isNaN(r[2]!), "the close before t is missing");
  assert.equal(r[3], 103 / 102 - 1);
});

test("log returns follow the same presence rule", () => {
  const r = logReturns(Float64Array.from([100, 110, NaN, 121]));
  assert.equal(r[1], Math.log(1.1));
  assert.ok(Number.isNaN(r[2]!) && Number.isNaN(r[3]!));
});

test("spread returns subtract and propagate NaN", () => {
  const s = spreadReturns(Float64Array.from([0.02, NaN]), Float64Array.from([0.01, 0.01]));
  assert.equal(s[0], 0.02 - 0.01);
  assert.ok(Number.isNaN(s[1]!));
  assert.throws(() => spreadReturns(new Float64Array(1), new Float64Array(2)), RangeError);
});
