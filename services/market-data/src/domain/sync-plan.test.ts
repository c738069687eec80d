import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTradingDay, tradingDays } from "@sigma/calendar";
import { addCoverage, coverageAfterFetch, mergeCoverage, planMissingRanges } from "./sync-plan.js";

describe("planMissingRanges", () => {
  it("plans the whole range (trimmed to trading days) when nothing is covered", () => {
    // 2020-01-04 is a Saturday, 2020-01-20 MLK day (a Monday holiday).
    assert.deepEqual(planMissingRanges([], "2020-01-04", "2020-01-20"), [{ start: "2020-01-06", end: "2020-01-17" }]);
  });

  it("plans only the tail after a covered prefix", () => {
    const covered = [{ start: "2019-01-02", end: "2020-01-10" }];
    assert.deepEqual(planMissingRanges(covered, "2019-06-01", "2020-01-23"), [{ start: "2020-01-13", end: "2020-01-23" }]);
  });

  it("plans only a gap in the middle", () => {
    const covered = [
      { start: "2019-12-02", end: "2019-12-13" },
      { start: "2019-12-23", end: "2020-01-23" },
    ];
    assert.deepEqual(planMissingRanges(covered, "2019-12-02", "2020-01-23"), [{ start: "2019-12-16", end: "2019-12-20" }]);
  });

  it("plans nothing when fully covered, even when coverage is split at a weekend", () => {
    const covered = [
      { start: "2020-01-13", end: "2020-01-17" }, // Mon..Fri
      { start: "2020-01-21", end: "2020-01-24" }, // Tue (after MLK Monday)..Fri
    ];
    assert.deepEqual(planMissingRanges(covered, "2020-01-13", "2020-01-24"), []);
  });

  it("never plans a range made of weekends or holidays", () => {
    // Covered through Friday 2020-01-17 and from Tuesday 2020-01-21: only Sat, Sun and MLK day lie between.
    const covered = [
      { start: "2020-01-01", end: "2020-01-17" },
      { start: "2020-01-21", end: "2020-02-28" },
    ];
    assert.deepEqual(planMissingRanges(covered, "2020-01-01", "2020-02-28"), []);
    // A request consisting only of a holiday weekend plans nothing.
    assert.deepEqual(planMissingRanges([], "2020-01-18", "2020-01-20"), []);
  });

  it("returns ranges whose bounds are trading days and whose union is exactly the uncovered trading days", () => {
    const covered = [
      { start: "2019-03-01", end: "2019-04-19" }, // ends on Good Friday 2019 (a holiday)
      { start: "2019-07-05", end: "2019-07-05" },
      { start: "2019-11-29", end: "2019-12-31" },
    ];
    const plan = planMissingRanges(covered, "2019-01-01", "2019-12-31");
    const planned = new Set(plan.flatMap((r) => tradingDays(r.start, r.end)));
    for (const r of plan) assert.ok(isTradingDay(r.start) && isTradingDay(r.end), JSON.stringify(r));
    for (const d of tradingDays("2019-01-01", "2019-12-31")) {
      const isCovered = covered.some((c) => c.start <= d && d <= c.end);
      assert.equal(planned.has(d), !isCovered, d);
    }
    assert.equal(plan.length, 3);
  });

  it("force plans the whole request", () => {
    const covered = [{ start: "2020-01-01", end: "2020-12-31" }];
    assert.deepEqual(planMissingRanges(covered, "2020-01-01", "2020-01-10", { force: true }), [{ start: "2020-01-02", end: "2020-01-10" }]);
  });

  it("rejects malformed or inverted ranges", () => {
    assert.throws(() => planMissingRanges([], "2020-01-10", "2020-01-01"), RangeError);
    assert.throws(() => planMissingRanges([], "2020-1-1", "2020-01-10"), RangeError);
    assert.throws(() => planMissingRanges([{ start: "2020-02-30", end: "2020-03-01" }], "2020-01-01", "2020-01-10"), RangeError);
  });
});

describe("mergeCoverage / addCoverage", () => {
  it("merges overlapping ranges and ranges separated only by non-trading days", () => {
    const merged = mergeCoverage([
      { start: "2020-01-21", end: "2020-01-31" },
      { start: "2020-01-02", end: "2020-01-10" },
      { start: "2020-01-11", end: "2020-01-17" }, // starts Saturday after Friday 01-10
      { start: "2020-01-05", end: "2020-01-08" },
    ]);
    assert.deepEqual(merged, [{ start: "2020-01-02", end: "2020-01-31" }]);
  });

  it("keeps ranges apart when a trading day lies between them", () => {
    const merged = addCoverage([{ start: "2020-01-02", end: "2020-01-09" }], { start: "2020-01-13", end: "2020-01-14" });
    assert.deepEqual(merged, [
      { start: "2020-01-02", end: "2020-01-09" },
      { start: "2020-01-13", end: "2020-01-14" },
    ]);
  });
});

describe("coverageAfterFetch", () => {
  const requested = { start: "2020-01-02", end: "2020-01-23" };

  it("covers the whole request when it is settled, with or without bars", () => {
    assert.deepEqual(coverageAfterFetch(requested, "2020-01-23", "2020-01-23"), requested);
    assert.deepEqual(coverageAfterFetch(requested, undefined, "2020-02-01"), requested);
    // A delisted symbol whose last bar is early still covers the settled range (never re-asked).
    assert.deepEqual(coverageAfterFetch(requested, "2020-01-03", "2020-01-31"), requested);
  });

  it("leaves unsettled dates without a bar uncovered", () => {
    assert.deepEqual(coverageAfterFetch(requested, "2020-01-21", "2020-01-22"), { start: "2020-01-02", end: "2020-01-22" });
    assert.deepEqual(coverageAfterFetch(requested, undefined, "2020-01-10"), { start: "2020-01-02", end: "2020-01-10" });
  });

  it("covers through the last bar even past the settled date", () => {
    assert.deepEqual(coverageAfterFetch(requested, "2020-01-23", "2020-01-21"), requested);
  });

  it("covers nothing when nothing is settled and no bar came", () => {
    assert.equal(coverageAfterFetch(requested, undefined, "2019-12-31"), undefined);
  });

  it("planning after recording coverage re-asks only the unsettled tail", () => {
    const got = coverageAfterFetch(requested, "2020-01-21", "2020-01-21")!;
    assert.deepEqual(planMissingRanges(addCoverage([], got), requested.start, requested.end), [{ start: "2020-01-22", end: "2020-01-23" }]);
  });
});
