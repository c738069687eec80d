import assert from "node:assert/strict";
import { test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { cellList, planPortfolioRun } from "./run-scope.js";

const req = { portfolioId: "", forceRerun: false, startDate: "", endDate: "" };
const current = { id: "a", firstEntryDate: "2019-01-02", watermarkDate: "2020-01-23" };
const behind = { id: "b", firstEntryDate: "2019-01-02", watermarkDate: "2020-01-21" };

test("a universe run with every portfolio current covers the target date only, with no cell", () => {
  const plan = planPortfolioRun(req, "2020-01-23", [current]);
  assert.deepEqual(plan.dates, ["2020-01-23"]);
  assert.equal(plan.cells.byPortfolio.size, 0);
  assert.equal(plan.upToDate, false);
});

test("a universe run gives a portfolio 2 days behind exactly its 2 dates and a current one none", () => {
  const plan = planPortfolioRun(req, "2020-01-23", [current, behind]);
  assert.deepEqual(cellList(plan.cells), [
    { portfolioId: "b", date: "2020-01-22" },
    { portfolioId: "b", date: "2020-01-23" },
  ]);
  assert.deepEqual(plan.dates, ["2020-01-22", "2020-01-23"]);
  assert.equal(plan.historyStartDate < "2018-12-01", true);
});

test("a scoped run of a current portfolio is up to date (no date); a new one covers its whole history", () => {
  const up = planPortfolioRun({ ...req, portfolioId: "a" }, "2020-01-23", [current]);
  assert.equal(up.upToDate, true);
  assert.deepEqual(up.dates, []);
  const fresh = planPortfolioRun({ ...req, portfolioId: "c" }, "2020-01-23", [
    { id: "c", firstEntryDate: "2019-01-02", watermarkDate: "" },
  ]);
  assert.deepEqual(fresh.dates, tradingDays("2019-01-02", "2020-01-23"));
  assert.equal(fresh.upToDate, false);
});

test("forced: the range when given, the whole history without one", () => {
  const ranged = planPortfolioRun({ portfolioId: "a", forceRerun: true, startDate: "2019-06-03", endDate: "2019-06-07" }, "2020-01-23", [
    current,
  ]);
  assert.deepEqual(ranged.dates, tradingDays("2019-06-03", "2019-06-07"));
  const whole = planPortfolioRun({ portfolioId: "a", forceRerun: true, startDate: "", endDate: "" }, "2020-01-23", [current]);
  assert.deepEqual(whole.dates, tradingDays("2019-01-02", "2020-01-23"));
  const universe = planPortfolioRun({ portfolioId: "", forceRerun: true, startDate: "", endDate: "" }, "2020-01-23", [current, behind]);
  assert.deepEqual(universe.dates, ["2020-01-23"], "a forced universe run without a range keeps the target date");
  assert.deepEqual(cellList(universe.cells), [
    { portfolioId: "a", date: "2020-01-23" },
    { portfolioId: "b", date: "2020-01-23" },
  ]);
});

test("start/end without force is still INVALID_ARGUMENT", () => {
  assert.throws(
    () => planPortfolioRun({ ...req, portfolioId: "a", startDate: "2019-06-03" }, "2020-01-23", [current]),
    /invalid run range/,
  );
});
