import assert from "node:assert/strict";
import { test } from "node:test";
import { blackScholes, intrinsicValue, normalCdf, type OptionRight } from "./black-scholes.js";
import { assertClose, loadVectors } from "./testing/fixtures.js";

interface BsVectors {
  tolerance: { abs: number };
  black_scholes: { right: OptionRight; spot: number; strike: number; years: number; vol: number; price: number; delta: number }[];
  normal_cdf: { x: number; cdf: number }[];
}
const vectors = loadVectors<BsVectors>("black_scholes.json");
const tol = { abs: vectors.tolerance.abs, rel: 0 };

test("normalCdf equals scipy.stats.norm.cdf at 16 points across both tails and the branch switch (|x| = 7.07)", () => {
  for (const { x, cdf } of vectors.normal_cdf) assertClose(normalCdf(x), cdf, tol, `Φ(${x})`);
  assert.ok(Number.isNaN(normalCdf(Number.NaN)));
});

test("blackScholes price and delta equal the scipy reference for 12 calls and puts", () => {
  for (const c of vectors.black_scholes) {
    const v = blackScholes(c.right, c.spot, c.strike, c.years, c.vol);
    assertClose(v.price / c.strike, c.price / c.strike, tol, `${c.right} S=${c.spot} K=${c.strike} price`);
    assertClose(v.delta, c.delta, tol, `${c.right} S=${c.spot} K=${c.strike} delta`);
  }
});

test("put-call parity with r = 0: C − P = S − K", () => {
  const c = blackScholes("call", 123, 117, 0.4, 0.33).price;
  const p = blackScholes("put", 123, 117, 0.4, 0.33).price;
  assert.ok(Math.abs(c - p - (123 - 117)) < 1e-12);
});

test("zero volatility or zero time gives intrinsic value; bad inputs give NaN", () => {
  assert.deepEqual(blackScholes("call", 110, 100, 0.5, 0), { price: 10, delta: 1 });
  assert.deepEqual(blackScholes("put", 110, 100, 0, 0.3), { price: 0, delta: 0 });
  assert.equal(blackScholes("put", 90, 100, 0, 0.3).price, 10);
  assert.ok(Number.isNaN(blackScholes("call", -1, 100, 1, 0.2).price));
  assert.ok(Number.isNaN(blackScholes("call", 100, 100, 1, Number.NaN).delta));
  assert.equal(intrinsicValue("call", 105, 100), 5);
  assert.equal(intrinsicValue("put", 105, 100), 0);
  assert.equal(intrinsicValue("put", 95, 100), 5);
});
