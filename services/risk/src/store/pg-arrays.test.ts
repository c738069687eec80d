import assert from "node:assert/strict";
import { test } from "node:test";
import { boolArrayLiteral, floatArrayLiteral, floats, intArrayLiteral, textArrayLiteral } from "./pg-arrays.js";

test("array literals: shortest round-trip floats with NaN/Infinity, quoted and escaped text", () => {
  assert.equal(
    floatArrayLiteral([0.1, Number.NaN, -1e-7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]),
    "{0.1,NaN,-1e-7,Infinity,-Infinity}",
  );
  assert.equal(floatArrayLiteral([]), "{}");
  assert.equal(intArrayLiteral(Int32Array.from([1, -2])), "{1,-2}");
  assert.equal(boolArrayLiteral(Uint8Array.from([1, 0])), "{t,f}");
  assert.equal(textArrayLiteral(['a"b', "c\\d", "NULL", "x y,{z}"]), '{"a\\"b","c\\\\d","NULL","x y,{z}"}');
  assert.deepEqual(Array.from(floats([1, null, "NaN"])), [1, Number.NaN, Number.NaN]);
});
