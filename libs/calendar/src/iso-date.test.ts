import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  InvalidDateError,
  addCalendarDays,
  assertDateRange,
  dayNumberFromParts,
  dayOfWeek,
  fromDayNumber,
  isIsoDate,
  parseIsoDate,
  partsFromDayNumber,
  toDayNumber,
  yearOf,
} from "./iso-date.js";

describe("isIsoDate", () => {
  it("accepts strict real dates, including leap days", () => {
    for (const s of ["2020-01-23", "2020-02-29", "2000-02-29", "1999-12-31", "0001-01-01", "9999-12-31"]) {
      assert.equal(isIsoDate(s), true, s);
    }
  });

  it("rejects impossible dates, loose formats and non-strings", () => {
    const bad: unknown[] = [
      "2021-02-29",
      "1900-02-29",
      "2020-13-01",
      "2020-00-10",
      "2020-04-31",
      "2020-01-00",
      "2020-1-23",
      "20-01-23",
      "20200123",
      " 2020-01-23",
      "2020-01-23 ",
      "2020-01-23T00:00",
      "2020/01/23",
      "",
      "+02020-01-23",
      undefined,
      null,
      20200123,
      new Date(0),
    ];
    for (const s of bad) assert.equal(isIsoDate(s), false, String(s));
  });
});

describe("parseIsoDate", () => {
  it("returns numeric fields", () => {
    assert.deepEqual(parseIsoDate("2019-04-19"), { year: 2019, month: 4, day: 19 });
  });

  it("throws InvalidDateError carrying the value and the context label", () => {
    assert.throws(
      () => parseIsoDate("2021-02-30", "start"),
      (e: unknown) => e instanceof InvalidDateError && e instanceof RangeError && e.value === "2021-02-30" && /start/.test(e.message),
    );
  });
});

describe("day numbers", () => {
  it("match Date.UTC for modern dates", () => {
    for (const s of ["1970-01-01", "1969-12-31", "2000-02-29", "2020-01-23", "2038-01-19", "1900-03-01"]) {
      assert.equal(toDayNumber(s), Date.parse(`${s}T00:00:00Z`) / 86_400_000, s);
    }
  });

  it("round-trip every day over four centuries (covers all leap rules)", () => {
    const start = dayNumberFromParts(1800, 1, 1);
    const end = dayNumberFromParts(2201, 1, 1);
    let previous = fromDayNumber(start - 1);
    for (let d = start; d < end; d++) {
      const s = fromDayNumber(d);
      assert.ok(s > previous, `${s} after ${previous}`);
      assert.ok(isIsoDate(s), s);
      const p = partsFromDayNumber(d);
      assert.equal(dayNumberFromParts(p.year, p.month, p.day), d);
      previous = s;
    }
  });

  it("handles years below 100 without the Date.UTC 19xx shift", () => {
    assert.equal(fromDayNumber(toDayNumber("0050-03-01") - 1), "0050-02-28");
    assert.equal(addCalendarDays("0099-12-31", 1), "0100-01-01");
  });
});

describe("dayOfWeek / addCalendarDays", () => {
  it("gives 0 = Sunday ... 6 = Saturday", () => {
    assert.equal(dayOfWeek("2020-01-19"), 0);
    assert.equal(dayOfWeek("2020-01-23"), 4);
    assert.equal(dayOfWeek("2020-01-25"), 6);
    assert.equal(dayOfWeek("1969-12-31"), 3);
  });

  it("crosses month, year and leap boundaries, and rejects non-integers", () => {
    assert.equal(addCalendarDays("2020-02-28", 1), "2020-02-29");
    assert.equal(addCalendarDays("2020-03-01", -1), "2020-02-29");
    assert.equal(addCalendarDays("2019-12-31", 1), "2020-01-01");
    assert.equal(addCalendarDays("2020-01-23", 366), "2021-01-23");
    assert.throws(() => addCalendarDays("2020-01-23", 0.5), RangeError);
    assert.throws(() => addCalendarDays("2020-01-32", 1), InvalidDateError);
  });
});

describe("assertDateRange / yearOf", () => {
  it("accepts a real range, including a one-day range", () => {
    assertDateRange("2020-01-02", "2020-01-31");
    assertDateRange("2020-02-29", "2020-02-29");
  });

  it("names the bad end and the context", () => {
    assert.throws(
      () => assertDateRange("2020-02-30", "2020-03-01", "fetch"),
      (e: unknown) => e instanceof InvalidDateError && /fetch: start/.test(e.message),
    );
    assert.throws(
      () => assertDateRange("2020-01-01", "2020-1-2"),
      (e: unknown) => e instanceof InvalidDateError && /end/.test(e.message),
    );
    assert.throws(() => assertDateRange("2020-01-03", "2020-01-02"), /start 2020-01-03 is after end 2020-01-02/);
  });

  it("yearOf reads the year of a strict date only", () => {
    assert.equal(yearOf("0099-12-31"), 99);
    assert.equal(yearOf("2024-02-29"), 2024);
    assert.throws(() => yearOf("2023-02-29"), InvalidDateError);
  });
});
