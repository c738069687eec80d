import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidDateError, addCalendarDays } from "./iso-date.js";
import { newYorkDate, newYorkInstant, newYorkWallClock } from "./new-york-time.js";

const HOUR = 3_600_000;

describe("newYorkWallClock", () => {
  it("reads EST (UTC-5) in winter and EDT (UTC-4) in summer", () => {
    assert.deepEqual(newYorkWallClock(new Date("2020-01-23T21:30:00Z")), { date: "2020-01-23", hour: 16, minute: 30, second: 0 });
    assert.deepEqual(newYorkWallClock(new Date("2020-07-01T20:30:59.999Z")), { date: "2020-07-01", hour: 16, minute: 30, second: 59 });
  });

  it("gives the New York date, not the UTC date, around midnight", () => {
    assert.equal(newYorkDate(new Date("2020-01-24T04:59:00Z")), "2020-01-23");
    assert.equal(newYorkDate(new Date("2020-01-24T05:00:00Z")), "2020-01-24");
    assert.deepEqual(newYorkWallClock(new Date("2020-01-24T05:00:00Z")), { date: "2020-01-24", hour: 0, minute: 0, second: 0 });
  });

  it("rejects an invalid Date", () => {
    assert.throws(() => newYorkWallClock(new Date(Number.NaN)), RangeError);
  });
});

describe("newYorkInstant", () => {
  it("converts 16:30 and 23:59 in both DST regimes", () => {
    assert.equal(newYorkInstant("2020-01-23", 16, 30).toISOString(), "2020-01-23T21:30:00.000Z");
    assert.equal(newYorkInstant("2020-01-23", 23, 59).toISOString(), "2020-01-24T04:59:00.000Z");
    assert.equal(newYorkInstant("2020-07-01", 16, 30).toISOString(), "2020-07-01T20:30:00.000Z");
    assert.equal(newYorkInstant("2020-07-01", 23, 59).toISOString(), "2020-07-02T03:59:00.000Z");
  });

  it("is right on the DST switch days themselves", () => {
    // 2020-03-08: clocks jump 02:00 -> 03:00; 2020-11-01: 02:00 -> 01:00.
    assert.equal(newYorkInstant("2020-03-08", 0, 30).toISOString(), "2020-03-08T05:30:00.000Z");
    assert.equal(newYorkInstant("2020-03-08", 3, 0).toISOString(), "2020-03-08T07:00:00.000Z");
    assert.equal(newYorkInstant("2020-03-08", 23, 59).toISOString(), "2020-03-09T03:59:00.000Z");
    assert.equal(newYorkInstant("2020-11-01", 0, 30).toISOString(), "2020-11-01T04:30:00.000Z");
    assert.equal(newYorkInstant("2020-11-01", 23, 59).toISOString(), "2020-11-02T04:59:00.000Z");
  });

  it("throws for a wall time skipped by the spring-forward gap; returns one instant of a repeated time", () => {
    assert.throws(() => newYorkInstant("2020-03-08", 2, 30), /DST gap/);
    const repeated = newYorkInstant("2020-11-01", 1, 30).toISOString();
    assert.ok(["2020-11-01T05:30:00.000Z", "2020-11-01T06:30:00.000Z"].includes(repeated), repeated);
  });

  it("inverts newYorkWallClock at every hour of 2020 (outside the 01:00-03:00 switch windows)", () => {
    for (let date = "2020-01-01"; date <= "2020-12-31"; date = addCalendarDays(date, 1)) {
      for (let hour = 0; hour < 24; hour++) {
        const switchDay = date === "2020-03-08" || date === "2020-11-01";
        if (switchDay && hour >= 1 && hour < 3) continue;
        const instant = newYorkInstant(date, hour, 17);
        assert.deepEqual(newYorkWallClock(instant), { date, hour, minute: 17, second: 0 }, `${date} ${hour}:17`);
        const offsetHours = (Date.parse(`${date}T00:00:00Z`) + (hour * 60 + 17) * 60_000 - instant.getTime()) / HOUR;
        assert.ok(offsetHours === -4 || offsetHours === -5, `${date} ${hour}:17 offset ${offsetHours}`);
      }
    }
  });

  it("validates its inputs", () => {
    assert.throws(() => newYorkInstant("2020-02-30", 12, 0), InvalidDateError);
    assert.throws(() => newYorkInstant("2020-01-23", 24, 0), RangeError);
    assert.throws(() => newYorkInstant("2020-01-23", 12, 60), RangeError);
    assert.throws(() => newYorkInstant("2020-01-23", 12.5, 0), RangeError);
  });
});
