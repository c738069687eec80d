import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunSource, RunState, RunStatus } from "@sigma/contracts";
import { startSystem, type System } from "@sigma/testing";

// SPEC §4 failure semantics over real processes: SIGTERM cancels the current run with its true
// progress and frees its lease; a crash (SIGKILL) leaves a lease that blocks overlapping runs only
// until its heartbeat is older than the TTL, then it is taken over and the dead run marked failed;
// the committed prefix plus a rerun give the same rows as an uninterrupted run.
// Long enough that restarting the coordinator process (tsx start-up, DB, health) stays well inside it.
const TTL_MS = 8000;
let system: System;

before(async () => {
  system = await startSystem({
    asOf: "2020-01-23",
    serviceEnv: { coordinator: { SIGMA_LEASE_TTL_MS: String(TTL_MS), SIGMA_HEARTBEAT_MS: "500", SIGMA_CHUNK_DAYS: "5" } },
  });
  const add = await system.cli(["symbols", "add", "AAPL", "MSFT", "JPM", "XOM", "GLD", "NVDA"]);
  assert.equal(add.code, 0, add.stderr);
});

after(async () => {
  await system?.stop();
});

const longRun = { source: RunSource.ADMIN, forceRerun: true, startDate: "2017-06-01", endDate: "2020-01-23" };

async function startAndWaitForProgress(): Promise<string> {
  const { runId } = await system.clients.coordinator.runBatch(longRun);
  for (let i = 0; i < 200; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.datesCompleted > 0) return runId;
    assert.equal(run!.status, RunStatus.RUNNING, run!.errorSummary);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("run made no progress");
}

async function waitForEnd(runId: string) {
  for (let i = 0; i < 600; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.status !== RunStatus.RUNNING) return run!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${runId} did not finish`);
}

test("SIGTERM marks the current run cancelled with its true progress and releases its lease", async () => {
  const runId = await startAndWaitForProgress();
  await system.restart("coordinator");
  const { run } = await system.clients.coordinator.getRun({ runId });
  assert.equal(run!.status, RunStatus.CANCELLED);
  assert.match(run!.errorSummary, /SIGTERM/);
  assert.ok(run!.datesCompleted > 0 && run!.datesCompleted < run!.datesTotal, `${run!.datesCompleted}/${run!.datesTotal}`);
  assert.equal(run!.datesCompleted % 5, 0, "progress is counted in whole committed chunks");
  assert.ok(run!.finishedAt);
  // The lease is free: a new run starts at once.
  const next = await system.clients.coordinator.runBatch({ ...longRun, startDate: "2020-01-21" });
  assert.equal((await waitForEnd(next.runId)).status, RunStatus.COMPLETED);
});

test("after a crash the dead run's lease blocks overlapping runs until the TTL; then the run is failed, published and the scope is free", async () => {
  const runId = await startAndWaitForProgress();
  await system.process("coordinator").kill();
  await system.restart("coordinator");
  // The heartbeat is still fresh: the lease holds (a crash must not let two runs overlap).
  await assert.rejects(system.clients.coordinator.runBatch({ ...longRun, startDate: "2020-01-02" }), (e: unknown) => {
    const err = ConnectError.from(e);
    return err.code === Code.AlreadyExists && err.rawMessage.includes(runId);
  });
  // Past the TTL, the restarted coordinator's periodic sweep (every TTL/2) marks the dead run failed
  // and publishes its final event; a RunBatch arriving first would take the lease over instead
  // (covered by the coordinator's integration tests). Either way the dead run ends failed.
  await new Promise((r) => setTimeout(r, TTL_MS * 1.5 + 500));
  const { run: dead } = await system.clients.coordinator.getRun({ runId });
  assert.equal(dead!.status, RunStatus.FAILED);
  assert.match(dead!.errorSummary, /coordinator lost|taken over/);
  assert.ok(dead!.datesCompleted > 0, "the committed prefix is recorded");
  const { status } = await system.clients.status.getStatus({ target: { target: { case: "runId", value: runId } } });
  assert.equal(status!.state, RunState.FAILED, "the status service received the final event");
  const { runId: next } = await system.clients.coordinator.runBatch({ ...longRun, startDate: "2020-01-02" });
  assert.ok([RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS].includes((await waitForEnd(next)).status));
});

test("resuming after interruptions stores exactly one row per symbol-date (idempotent recompute)", async () => {
  const r = await system.cli(["run", "--force", "--from", "2019-06-03", "--to", "2020-01-23", "--json"], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr);
  const symbols = ["AAPL", "MSFT", "JPM", "XOM", "GLD", "NVDA", "SPY", "TLT"];
  const { rows } = await system.clients.factor.getSymbolFactors({ symbols, startDate: "2017-06-01", endDate: "2020-01-23" });
  const keys = new Set(rows.map((x) => `${x.symbol}|${x.date}`));
  assert.equal(keys.size, rows.length, "no duplicate symbol-date rows after cancelled, crashed and resumed runs");
});
