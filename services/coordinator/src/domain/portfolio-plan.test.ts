import assert from "node:assert/strict";
import { test } from "node:test";
import { cellsInChunk, firstSnapshotDate, planPortfolioCells } from "./portfolio-plan.js";

const TARGET = "2020-01-23";

test("per-portfolio watermarks: one 2 days behind gets exactly its 2 missing dates, a current one none, a new one its whole history", () => {
  const plan = planPortfolioCells(
    [
      { id: "behind", firstEntryDate: "2019-01-02", watermarkDate: "2020-01-21" },
      { id: "current", firstEntryDate: "2019-01-02", watermarkDate: TARGET },
      { id: "new", firstEntryDate: "2020-01-16", watermarkDate: "" },
    ],
    TARGET,
  );
  assert.deepEqual(plan.byPortfolio.get("behind"), ["2020-01-22", "2020-01-23"]);
  assert.equal(plan.byPortfolio.has("current"), false);
  // 2020-01-20 is Martin Luther King Day.
  assert.deepEqual(plan.byPortfolio.get("new"), ["2020-01-16", "2020-01-17", "2020-01-21", "2020-01-22", "2020-01-23"]);
  assert.deepEqual(plan.dates, ["2020-01-16", "2020-01-17", "2020-01-21", "2020-01-22", "2020-01-23"]);
});

test("a weekend entry starts on the next trading date", () => {
  assert.equal(firstSnapshotDate({ id: "x", firstEntryDate: "2019-01-05", watermarkDate: "" }), "2019-01-07");
});

test("forced: the range clipped to each portfolio's first snapshot date; no range = whole history", () => {
  const ps = [
    { id: "old", firstEntryDate: "2019-01-02", watermarkDate: TARGET },
    { id: "young", firstEntryDate: "2020-01-22", watermarkDate: TARGET },
  ];
  const ranged = planPortfolioCells(ps, TARGET, { startDate: "2020-01-17", endDate: "2020-01-22" });
  assert.deepEqual(ranged.byPortfolio.get("old"), ["2020-01-17", "2020-01-21", "2020-01-22"]);
  assert.deepEqual(ranged.byPortfolio.get("young"), ["2020-01-22"]);
  const whole = planPortfolioCells(ps, TARGET, {});
  assert.equal(whole.byPortfolio.get("old")![0], "2019-01-02");
  assert.equal(whole.byPortfolio.get("old")!.at(-1), TARGET);
  assert.deepEqual(whole.byPortfolio.get("young"), ["2020-01-22", "2020-01-23"]);
});

test("a portfolio whose first entry is after the target has nothing to do", () => {
  const plan = planPortfolioCells([{ id: "future", firstEntryDate: "2020-02-03", watermarkDate: "" }], TARGET);
  assert.equal(plan.byPortfolio.size, 0);
  assert.deepEqual(plan.dates, []);
});

test("cellsInChunk keeps only the portfolios with dates in the chunk", () => {
  const plan = planPortfolioCells(
    [
      { id: "a", firstEntryDate: "2020-01-16", watermarkDate: "" },
      { id: "b", firstEntryDate: "2019-01-02", watermarkDate: "2020-01-21" },
    ],
    TARGET,
  );
  assert.deepEqual(cellsInChunk(plan, ["2020-01-16", "2020-01-17"]), [{ portfolioId: "a", dates: ["2020-01-16", "2020-01-17"] }]);
  assert.deepEqual(cellsInChunk(plan, ["2020-01-22"]), [
    { portfolioId: "a", dates: ["2020-01-22"] },
    { portfolioId: "b", dates: ["2020-01-22"] },
  ]);
});
