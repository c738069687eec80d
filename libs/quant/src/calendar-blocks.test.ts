import assert from "node:assert/strict";
import { test } from "node:test";
import { blockRuns, weekBlockIds } from "./calendar-blocks.js";

/** Days since 1970-01-01 of an ISO date (UTC). */
const day = (d: string): number => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

test("week blocks start on a Monday of the fixed epoch and span 7 × weeks calendar days", () => {
  // 1970-01-05 (Monday) opens block 0; the Sunday before it belongs to block −1
  assert.deepEqual([...weekBlockIds([day("1970-01-04"), day("1970-01-05"), day("1970-01-18"), day("1970-01-19")])], [-1, 0, 0, 1]);
  // two-week blocks from that epoch: 2023-12-25 (Monday) opens one, 2024-01-08 and 2024-01-22 the next ones
  const ids = weekBlockIds(["2023-12-24", "2023-12-25", "2024-01-05", "2024-01-08", "2024-01-19", "2024-01-22"].map(day));
  assert.deepEqual(
    [...ids].map((v) => v - ids[1]!),
    [-1, 0, 0, 1, 1, 2],
  );
  assert.equal(ids[1], (day("2023-12-25") - 4) / 14);
  // one-week blocks change every Monday
  assert.deepEqual(
    [...weekBlockIds([day("2024-01-07"), day("2024-01-08")], 1)].map((v, _, a) => v - a[0]!),
    [0, 1],
  );
  // dates before 1970 floor (not truncate) toward the past: Sunday 1969-12-21 | Monday 1969-12-22
  assert.deepEqual([...weekBlockIds([day("1969-12-21"), day("1969-12-22")])], [-2, -1]);
});

test("a date's block id does not depend on the other dates loaded with it", () => {
  const dates = ["2023-03-01", "2023-03-02", "2023-03-03", "2023-03-06", "2023-03-07", "2023-03-14", "2023-03-20"];
  const all = weekBlockIds(dates.map(day));
  const tail = weekBlockIds(dates.slice(3).map(day));
  assert.deepEqual([...tail], [...all.slice(3)]);
});

test("blockRuns gives each block's calendar range and each index's block", () => {
  const r = blockRuns([5, 5, 7, 7, 7, 9]);
  assert.equal(r.count, 3);
  assert.deepEqual([...r.start], [0, 2, 5]);
  assert.deepEqual([...r.end], [1, 4, 5]);
  assert.deepEqual([...r.of], [0, 0, 1, 1, 1, 2]);
  assert.equal(blockRuns([]).count, 0);
});

test("rejects decreasing days or ids and bad spans", () => {
  assert.throws(() => weekBlockIds([10, 9]), RangeError);
  assert.throws(() => weekBlockIds([1.5]), RangeError);
  assert.throws(() => weekBlockIds([1], 0), RangeError);
  assert.throws(() => blockRuns([2, 1]), RangeError);
});
