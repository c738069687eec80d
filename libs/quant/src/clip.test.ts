import assert from "node:assert/strict";
import { test } from "node:test";
import { betaQuality, clipBeta } from "./clip.js";

test("clip to [-5, 5]", () => {
  assert.equal(clipBeta(7), 5);
  assert.equal(clipBeta(-5.5), -5);
  assert.equal(clipBeta(1.25), 1.25);
  assert.ok(Number.isNaN(clipBeta(NaN)));
});

test("quality: FULL at the window, LIMITED from the minimum, null below", () => {
  assert.equal(betaQuality(90, 90, 30), "FULL");
  assert.equal(betaQuality(30, 90, 30), "LIMITED");
  assert.equal(betaQuality(29, 90, 30), null);
});
