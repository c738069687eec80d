import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ColumnValueError, toPgArray, type PgType } from "./pg-types.js";

const conv = (pgType: PgType, values: unknown[]) => toPgArray({ name: "c", pgType }, values, 0, values.length);

describe("toPgArray", () => {
  it("maps NaN, undefined and null to NULL for numeric types and keeps infinities for floats", () => {
    // -0 travels as the string "-0": pg prints a bare -0 as "0" and the sign would be lost.
    assert.deepEqual(conv("float8", [1.25, NaN, undefined, null, Infinity, -0]), [1.25, null, null, null, Infinity, "-0"]);
    assert.deepEqual(conv("int4", [1, NaN, undefined, -7]), [1, null, null, -7]);
  });

  it("accepts typed arrays and slices by absolute index", () => {
    assert.deepEqual(toPgArray({ name: "c", pgType: "float8" }, new Float64Array([1, 2, NaN, 4]), 1, 3), [2, null]);
  });

  it("rejects non-integers and infinities for integer types, reporting column and index", () => {
    assert.throws(
      () => conv("int4", [1, 2.5]),
      (e: unknown) => e instanceof ColumnValueError && e.index === 1 && e.column === "c",
    );
    assert.throws(() => conv("int8", [Infinity]), ColumnValueError);
    assert.throws(() => conv("int8", ["12a"]), ColumnValueError);
  });

  it("passes int8 as strings (bigint and pg's string form)", () => {
    assert.deepEqual(conv("int8", [2n ** 60n, "-9007199254740993"]), ["1152921504606846976", "-9007199254740993"]);
  });

  it("normalizes dates to YYYY-MM-DD in UTC and validates strings", () => {
    assert.deepEqual(conv("date", ["2020-01-23", new Date("2020-01-23T23:30:00Z")]), ["2020-01-23", "2020-01-23"]);
    assert.throws(() => conv("date", ["23/01/2020"]), ColumnValueError);
    assert.throws(() => conv("date", [new Date(NaN)]), ColumnValueError);
  });

  it("serializes timestamps as ISO strings", () => {
    assert.deepEqual(conv("timestamptz", [new Date(0), 1000]), ["1970-01-01T00:00:00.000Z", "1970-01-01T00:00:01.000Z"]);
  });

  it("stringifies JSON values but keeps SQL NULL for null", () => {
    assert.deepEqual(conv("jsonb", [{ a: [1, 2] }, [1, 2], null, "x"]), ['{"a":[1,2]}', "[1,2]", null, '"x"']);
  });

  it("rejects objects for text and non-booleans for bool", () => {
    assert.throws(() => conv("text", [{}]), ColumnValueError);
    assert.throws(() => conv("bool", [1]), ColumnValueError);
    assert.deepEqual(conv("text", ["a", 1, null]), ["a", "1", null]);
  });
});
