import assert from "node:assert/strict";
import { test } from "node:test";
import { boolArrayLiteral, floatArrayLiteral, floats, intArrayLiteral, textArrayLiteral } from "./pg-arrays.js";
import { float8ArrayFromSend } from "@sigma/db";

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

test("floats() decodes Postgres' binary float8[] (array_send) bit-exactly, NULL as NaN", () => {
  const values = [1.5, -0, Number.NaN, Number.MIN_VALUE, -Number.MAX_VALUE, Number.POSITIVE_INFINITY];
  const elems = values.length + 1; // plus one NULL element at the end
  const b = Buffer.alloc(20 + values.length * 12 + 4);
  b.writeInt32BE(1, 0); // ndim
  b.writeInt32BE(1, 4); // has nulls
  b.writeInt32BE(701, 8); // float8
  b.writeInt32BE(elems, 12);
  b.writeInt32BE(1, 16); // lower bound
  let o = 20;
  for (const v of values) {
    b.writeInt32BE(8, o);
    b.writeDoubleBE(v, o + 4);
    o += 12;
  }
  b.writeInt32BE(-1, o);
  const got = floats(b);
  assert.equal(got.length, elems);
  values.forEach((v, i) => assert.ok(Object.is(got[i], v), `element ${i}: ${got[i]} vs ${v}`));
  assert.ok(Number.isNaN(got[values.length]!));
  // An empty array is 0 dimensions.
  const empty = Buffer.alloc(12);
  empty.writeInt32BE(701, 8);
  assert.equal(float8ArrayFromSend(empty).length, 0);
  const ints = Buffer.from(b);
  ints.writeInt32BE(23, 8);
  assert.throws(() => float8ArrayFromSend(ints), RangeError);
});
