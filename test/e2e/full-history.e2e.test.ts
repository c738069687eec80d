import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { Phase, PhaseState, RunSource, RunStatus, SkipReason } from "@sigma/contracts";
import { PRICES_CSV, startSystem, type System } from "@sigma/testing";

// Issue #6.9: a forced run whose range starts at the first dates of the price history used to fail
// outright ("Factor Analysis failed: FAILED_PRECONDITION … INSUFFICIENT_HISTORY", 0 of 769 dates
// committed) because its first chunk had no date with enough returns. Too little history is a
// counted skip: the run goes on and stores every later date. Real processes, csv provider over the
// whole shared price file, clock pinned to 2020-01-23.

const FROM = "2017-01-03";
const TO = "2020-01-23";
const symbols = [
  ...new Set(
    readFileSync(PRICES_CSV, "utf8")
      .split("\n")
      .slice(1)
      .map((l) => l.split(",")[1])
      .filter((s): s is string => Boolean(s)),
  ),
];
let system: System;

before(async () => {
  system = await startSystem({ asOf: TO });
  await system.clients.marketData.addSymbols({ symbols });
});

after(async () => {
  await system?.stop();
});

test("a forced run over the whole price history completes and stores factor rows from the first date with 30 returns", async () => {
  const dates = tradingDays(FROM, TO);
  assert.equal(dates.length, 769);
  const { runId } = await system.clients.coordinator.runBatch({ source: RunSource.ADMIN, forceRerun: true, startDate: FROM, endDate: TO });
  let run = (await system.clients.coordinator.getRun({ runId })).run;
  for (let i = 0; i < 1200 && run?.runStatus === RunStatus.RUNNING; i++) {
    await new Promise((r) => setTimeout(r, 500));
    run = (await system.clients.coordinator.getRun({ runId })).run;
  }
  assert.ok(run, system.describe());
  assert.notEqual(run.runStatus, RunStatus.FAILED, `${run.errorSummary}\n${system.describe()}`);
  assert.ok([RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS].includes(run.runStatus), RunStatus[run.runStatus]);
  assert.equal(run.datesCompleted, 769);
  const factors = run.phases.find((p) => p.phase === Phase.SYMBOL_FACTORS);
  assert.equal(factors?.phaseState, PhaseState.COMPLETED);
  assert.ok(
    factors.counters?.skipped.some((s) => s.reason === SkipReason.INSUFFICIENT_HISTORY && s.count > 0n),
    "the first dates are counted INSUFFICIENT_HISTORY skips",
  );

  const { rows } = await system.clients.factor.getSymbolFactors({ symbols: ["AAPL", "SPY"], startDate: FROM, endDate: "2017-03-31" });
  const first = (sym: string) =>
    rows
      .filter((r) => r.symbol === sym)
      .map((r) => r.date)
      .sort()[0];
  assert.equal(first("AAPL"), "2017-02-15");
  assert.equal(first("SPY"), "2017-02-15");
  // 2017-02-15 is the 30th trading day after 2017-01-03: 30 returns, the first window a factor accepts.
  assert.equal(tradingDays(FROM, "2017-02-15").length - 1, 30);
  const lastDay = await system.clients.factor.getSymbolFactors({ symbols: ["AAPL"], startDate: TO, endDate: TO });
  assert.equal(lastDay.rows.length, 1, "every later date is stored, through the last");
});
