import assert from "node:assert/strict";
import { test } from "node:test";
import { InvalidArgumentError } from "@sigma/runtime";
import {
  chunkDates,
  chunkDaysForWork,
  DEFAULT_CHUNK_CELLS,
  LOOKBACK_TRADING_DAYS,
  MAX_CHUNK_DAYS,
  MIN_CHUNK_DAYS,
  planRun,
} from "./planner.js";
import { tradingDays } from "@sigma/calendar";

const base = { portfolioId: "", forceRerun: false, startDate: "", endDate: "" };

test("without a range a run covers the target date only, with the lookback for the longest window", () => {
  const plan = planRun(base, "2020-01-23");
  assert.deepEqual(plan.dates, ["2020-01-23"]);
  assert.equal(tradingDays(plan.historyStartDate, "2020-01-23").length, LOOKBACK_TRADING_DAYS + 1);
});

test("start/end without force_rerun is INVALID_ARGUMENT, never silently ignored", () => {
  assert.throws(() => planRun({ ...base, startDate: "2020-01-02" }, "2020-01-23"), InvalidArgumentError);
  assert.throws(() => planRun({ ...base, endDate: "2020-01-02" }, "2020-01-23"), InvalidArgumentError);
});

test("a forced range gives every trading date in it", () => {
  const plan = planRun({ ...base, forceRerun: true, startDate: "2019-12-20", endDate: "2020-01-03" }, "2020-01-23");
  assert.deepEqual(plan.dates, [
    "2019-12-20",
    "2019-12-23",
    "2019-12-24",
    "2019-12-26",
    "2019-12-27",
    "2019-12-30",
    "2019-12-31",
    "2020-01-02",
    "2020-01-03",
  ]);
});

test("a forced start alone runs through the target date", () => {
  const plan = planRun({ ...base, forceRerun: true, startDate: "2020-01-21" }, "2020-01-23");
  assert.deepEqual(plan.dates, ["2020-01-21", "2020-01-22", "2020-01-23"]);
});

test("bad dates and ranges are INVALID_ARGUMENT naming the field", () => {
  const cases: [Partial<typeof base>, string][] = [
    [{ startDate: "2020-13-01" }, "start_date"],
    [{ startDate: "2020-01-10", endDate: "2020-01-02" }, "start_date"],
    [{ endDate: "2020-02-01" }, "end_date"],
    [{ startDate: "2020-01-01", endDate: "2020-01-01" }, "start_date"],
  ];
  for (const [req, field] of cases) {
    assert.throws(
      () => planRun({ ...base, forceRerun: true, ...req }, "2020-01-23"),
      (err: unknown) => err instanceof InvalidArgumentError && err.violations.some((v) => v.field === field),
      JSON.stringify(req),
    );
  }
});

test("chunks are consecutive and cover every date once", () => {
  const dates = tradingDays("2019-01-02", "2020-01-23");
  const chunks = chunkDates(dates, 21);
  assert.deepEqual(chunks.flat(), dates);
  assert.ok(chunks.slice(0, -1).every((c) => c.length === 21));
  assert.throws(() => chunkDates(dates, 0), RangeError);
});

test("chunks are sized by the run's work: an onboarding's year in one chunk, a universe night in 21-day chunks", () => {
  // W1: 27 symbols + 8 factor ETFs + 1 portfolio → 277 dates ≥ a 254-day backfill: one chunk.
  assert.equal(chunkDaysForWork(36), Math.min(MAX_CHUNK_DAYS, Math.floor(DEFAULT_CHUNK_CELLS / 36)));
  assert.ok(chunkDaysForWork(36) >= 254);
  // W2: 1,193 symbols + 1,000 portfolios → never below the floor of 21 days.
  assert.equal(chunkDaysForWork(2193), MIN_CHUNK_DAYS);
  assert.equal(MIN_CHUNK_DAYS, 21);
  // In between: 200 units → 50 days; an empty scope counts as one unit.
  assert.equal(chunkDaysForWork(200, 10_000), 50);
  assert.equal(chunkDaysForWork(0, 100), 100);
  // A tiny scope never gets chunks longer than the range RPCs can serve with their lookback.
  assert.equal(chunkDaysForWork(1), MAX_CHUNK_DAYS);
  assert.equal(chunkDaysForWork(19), MAX_CHUNK_DAYS, "a 10-position sample + 8 ETFs + itself: capped, not 526 days");
  assert.throws(() => chunkDaysForWork(10, 0), RangeError);
});
