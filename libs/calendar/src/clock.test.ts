import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AS_OF_ENV, asOfInstant, clockFromEnv, createClock, targetDate } from "./clock.js";
import { InvalidDateError } from "./iso-date.js";

const at = (iso: string): Date => new Date(iso);

describe("targetDate", () => {
  it("winter (EST, UTC-5): today from 16:30 New York on, the previous trading day before", () => {
    assert.equal(targetDate(at("2020-01-24T04:59:00Z")), "2020-01-23"); // 23:59 NY
    assert.equal(targetDate(at("2020-01-23T21:15:00Z")), "2020-01-22"); // 16:15 NY
    assert.equal(targetDate(at("2020-01-23T21:29:59.999Z")), "2020-01-22"); // 16:29:59.999 NY
    assert.equal(targetDate(at("2020-01-23T21:30:00Z")), "2020-01-23"); // 16:30 NY
    assert.equal(targetDate(at("2020-01-23T14:30:00Z")), "2020-01-22"); // 09:30 NY, session open
  });

  it("summer (EDT, UTC-4): the same cut-off one UTC hour earlier", () => {
    assert.equal(targetDate(at("2020-07-01T20:29:00Z")), "2020-06-30"); // 16:29 NY
    assert.equal(targetDate(at("2020-07-01T20:30:00Z")), "2020-07-01"); // 16:30 NY
    // 16:45 EDT is 15:45 EST: a fixed UTC-5 offset would wrongly give 2020-06-30.
    assert.equal(targetDate(at("2020-07-01T20:45:00Z")), "2020-07-01");
  });

  it("uses the New York date after midnight UTC and rolls back over weekends and holidays", () => {
    assert.equal(targetDate(at("2020-01-24T04:30:00Z")), "2020-01-23"); // 23:30 NY on the 23rd, UTC already the 24th
    assert.equal(targetDate(at("2020-01-24T05:30:00Z")), "2020-01-23"); // 00:30 NY on the 24th
    assert.equal(targetDate(at("2020-01-25T17:00:00Z")), "2020-01-24"); // Saturday noon
    assert.equal(targetDate(at("2020-01-26T23:00:00Z")), "2020-01-24"); // Sunday 18:00
    assert.equal(targetDate(at("2020-01-27T15:00:00Z")), "2020-01-24"); // Monday 10:00
    assert.equal(targetDate(at("2019-12-26T01:00:00Z")), "2019-12-24"); // Christmas 20:00
    assert.equal(targetDate(at("2001-09-14T22:00:00Z")), "2001-09-10"); // after the 9/11 closures
  });

  it("rejects an invalid Date", () => {
    assert.throws(() => targetDate(new Date(Number.NaN)), RangeError);
  });
});

describe("asOfInstant", () => {
  it("is 23:59 New York time in both DST regimes and on switch days", () => {
    assert.equal(asOfInstant("2020-01-23").toISOString(), "2020-01-24T04:59:00.000Z");
    assert.equal(asOfInstant("2020-07-01").toISOString(), "2020-07-02T03:59:00.000Z");
    assert.equal(asOfInstant("2020-03-08").toISOString(), "2020-03-09T03:59:00.000Z");
    assert.equal(asOfInstant("2020-11-01").toISOString(), "2020-11-02T04:59:00.000Z");
  });

  it("rejects a bad date", () => {
    assert.throws(() => asOfInstant("2020-01-32"), InvalidDateError);
  });
});

describe("createClock", () => {
  it("pinned: now is 23:59 NY on asOf and never moves; today and targetDate follow", () => {
    const clock = createClock({ asOf: "2020-01-23", now: () => at("2030-01-01T00:00:00Z") });
    assert.equal(clock.pinned, true);
    assert.equal(clock.asOf, "2020-01-23");
    assert.equal(clock.now().toISOString(), "2020-01-24T04:59:00.000Z");
    clock.now().setTime(0); // callers get copies
    assert.equal(clock.now().toISOString(), "2020-01-24T04:59:00.000Z");
    assert.equal(clock.today(), "2020-01-23");
    assert.equal(clock.targetDate(), "2020-01-23");
  });

  it("pinned to a non-trading day targets the previous trading day", () => {
    const saturday = createClock({ asOf: "2020-01-25" });
    assert.equal(saturday.today(), "2020-01-25");
    assert.equal(saturday.targetDate(), "2020-01-24");
    assert.equal(createClock({ asOf: "2022-06-20" }).targetDate(), "2022-06-17");
  });

  it("live: reads the injected time source on every call", () => {
    let current = at("2020-01-23T21:29:00Z");
    const clock = createClock({ now: () => current });
    assert.equal(clock.pinned, false);
    assert.equal(clock.asOf, undefined);
    assert.equal(clock.today(), "2020-01-23");
    assert.equal(clock.targetDate(), "2020-01-22");
    current = at("2020-01-23T21:31:00Z");
    assert.equal(clock.targetDate(), "2020-01-23");
    assert.equal(clock.now().toISOString(), "2020-01-23T21:31:00.000Z");
  });

  it("live without options uses the process clock", () => {
    const before = Date.now();
    const now = createClock().now().getTime();
    assert.ok(now >= before, "process clock went backwards");
  });

  it("live: an invalid time source value is an error, not a silent NaN", () => {
    const clock = createClock({ now: () => new Date(Number.NaN) });
    assert.throws(() => clock.now(), RangeError);
    assert.throws(() => clock.targetDate(), RangeError);
  });

  it("rejects a bad asOf", () => {
    assert.throws(() => createClock({ asOf: "2020-02-30" }), InvalidDateError);
  });
});

describe("clockFromEnv", () => {
  it("is live when SIGMA_AS_OF is unset or empty", () => {
    assert.equal(clockFromEnv({}).pinned, false);
    assert.equal(clockFromEnv({ [AS_OF_ENV]: "" }).pinned, false);
  });

  it("pins to a valid SIGMA_AS_OF", () => {
    const clock = clockFromEnv({ SIGMA_AS_OF: "2020-01-23" });
    assert.equal(clock.pinned, true);
    assert.equal(clock.now().toISOString(), "2020-01-24T04:59:00.000Z");
    assert.equal(clock.targetDate(), "2020-01-23");
  });

  it("throws a clear error naming the variable for a bad value", () => {
    for (const bad of ["2020-13-01", "2020-02-30", "20200123", " 2020-01-23", "2020-01-23T12:00", "yesterday"]) {
      assert.throws(
        () => clockFromEnv({ SIGMA_AS_OF: bad }),
        (e: unknown) => e instanceof InvalidDateError && e.message.includes("SIGMA_AS_OF") && e.message.includes(JSON.stringify(bad)),
        bad,
      );
    }
  });
});
