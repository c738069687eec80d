import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newYorkDate } from "./new-york-date.js";

describe("newYorkDate", () => {
  it("maps Polygon's New York midnight stamps to the session date (winter and summer)", () => {
    assert.equal(newYorkDate(Date.parse("2020-01-23T05:00:00Z")), "2020-01-23"); // EST midnight
    assert.equal(newYorkDate(Date.parse("2020-07-02T04:00:00Z")), "2020-07-02"); // EDT midnight
  });

  it("uses New York, not UTC, for evening instants", () => {
    // 2020-01-23 23:30 New York is already 2020-01-24 in UTC.
    assert.equal(newYorkDate(Date.parse("2020-01-24T04:30:00Z")), "2020-01-23");
  });

  it("rejects non-finite input", () => {
    assert.throws(() => newYorkDate(Number.NaN), RangeError);
  });
});
