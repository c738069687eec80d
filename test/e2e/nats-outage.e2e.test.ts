import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunSource, RunState, RunStatus } from "@sigma/contracts";
import { startSystem, type System } from "@sigma/testing";
import { type TestNatsServer, testNatsServer } from "@sigma/testing/nats-server";

// Issue #7.1 "status never sticks": NATS (a test-owned server, never the shared one) is killed while
// a run is in progress and stays down when the run ends. The run record says completed; once NATS is
// back, the coordinator's outbox relay delivers the remaining events and the status service, fed
// from the stream, shows the final state (not RUNNING forever). Real service processes.

const SYMBOLS = ["AAPL", "MSFT", "JPM", "XOM", "AVP", "GWR", "KO", "PG"];
let nats: TestNatsServer;
let system: System;

before(async () => {
  nats = await testNatsServer();
  await nats.start();
  system = await startSystem({ natsUrl: nats.url, asOf: "2020-01-23" });
  await system.clients.marketData.addSymbols({ symbols: SYMBOLS });
});

after(async () => {
  // The system deletes its stream on stop: NATS must be up for that.
  await nats.start().catch(() => undefined);
  await system?.stop();
  await nats?.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("NATS down across the end of a run: once it is back the status service shows the final state within 30 s", async () => {
  const { coordinator, status } = system.clients;
  const { runId } = await coordinator.runBatch({
    source: RunSource.ADMIN,
    forceRerun: true,
    startDate: "2017-01-03",
    endDate: "2020-01-23",
  });
  // NOT_FOUND until the status service has seen the run's first event.
  const statusOf = async () => {
    try {
      return (await status.getStatus({ target: { target: { case: "runId", value: runId } } })).status;
    } catch (err) {
      if (ConnectError.from(err).code === Code.NotFound) return undefined;
      throw err;
    }
  };
  // Kill NATS once the status service has seen the run start (its projection is live).
  for (let i = 0; i < 200 && (await statusOf())?.state !== RunState.RUNNING; i++) await sleep(100);
  assert.equal((await statusOf())?.state, RunState.RUNNING, system.describe());
  await nats.kill();

  let run = (await coordinator.getRun({ runId })).run;
  for (let i = 0; i < 1200 && run?.runStatus === RunStatus.RUNNING; i++) {
    await sleep(500);
    run = (await coordinator.getRun({ runId })).run;
  }
  assert.ok(run && run.runStatus !== RunStatus.RUNNING, "the run ended");
  assert.ok(
    [RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS].includes(run.runStatus),
    `${RunStatus[run.runStatus]}: ${run.errorSummary}`,
  );
  assert.ok(run.eventsUndelivered > 0, "NATS was down when the run ended: its last events wait in the outbox");
  assert.equal((await statusOf())?.state, RunState.RUNNING, "without the stream the status service cannot know yet");

  await nats.start();
  const want = run.runStatus === RunStatus.COMPLETED ? RunState.COMPLETED : RunState.COMPLETED_WITH_WARNINGS;
  let seen = await statusOf();
  for (let i = 0; i < 300 && seen?.state !== want; i++) {
    await sleep(100);
    seen = await statusOf();
  }
  assert.equal(seen?.state, want, `status after NATS came back: ${RunState[seen?.state ?? 0]}\n${system.describe()}`);
  assert.equal((await coordinator.getRun({ runId })).run?.eventsUndelivered, 0, "the outbox is empty");
});
