import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createClock, tradingDays } from "@sigma/calendar";
import { type RunEvent, RunSource, RunStatus } from "@sigma/contracts";
import {
  createNatsPublisher,
  decodeRunEvent,
  type EventPublisher,
  type EventStreamConfig,
  eventStreamConfig,
  runSubject,
  subscribeEvents,
} from "@sigma/events";
import { createLogger } from "@sigma/runtime";
import { connect } from "nats";
import { fakeServices, testStore } from "../testing/fakes.js";
import { type TestNatsServer, testNatsServer } from "@sigma/testing/nats-server";
import { Coordinator } from "./coordinator.js";

// Issue #7.1: events reach the stream eventually. NATS (a test-owned server, never the shared one)
// is killed while a run ends; the run's events wait in the coordinator's outbox and are relayed,
// in order and exactly once in the stream, when NATS is back — by the same coordinator, or by a
// new one started after a restart.

const logger = createLogger("outbox-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;
let nats: TestNatsServer;
let stream: EventStreamConfig;
const publishers: EventPublisher[] = [];
const coordinators: Coordinator[] = [];

before(async () => {
  store = await testStore();
  nats = await testNatsServer();
  await nats.start();
  const id = randomBytes(4).toString("hex");
  stream = eventStreamConfig({ name: `COORD_OUTBOX_${id.toUpperCase()}`, subjectPrefix: `sigma.coordtest${id}.events.v1` });
});

after(async () => {
  for (const c of coordinators) await c.shutdown(1000);
  for (const p of publishers) await p.close();
  await nats.dispose();
  await store.drop();
});

function coordinator(onLastChunk?: () => Promise<void>): Coordinator {
  const publisher = createNatsPublisher({ url: nats.url, stream, timeoutMs: 500, name: "coordinator-outbox-test" });
  publishers.push(publisher);
  const c = new Coordinator({
    store: store.repo,
    services: fakeServices({
      async analytics(phase, req) {
        if (phase === "metrics" && req.endDate === "2020-01-23") await onLastChunk?.();
        const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
        return { counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] }, problems: [] };
      },
    }),
    publisher,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    relaySettings: { batchSize: 50, minBackoffMs: 100, maxBackoffMs: 1000, pollMs: 200 },
    settings: {
      holderId: `o-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 200,
      chunkSize: 5,
      syncBatchSize: 10,
      rpcTimeoutMs: 5000,
    },
  });
  coordinators.push(c);
  return c;
}

const runInput = {
  portfolioId: "",
  source: RunSource.ADMIN,
  forceRerun: true,
  startDate: "2020-01-02",
  endDate: "2020-01-23",
  dryRun: false,
  asOf: "",
  caller: { sub: "ops", admin: true },
};

/** Reads the run's events from the stream until its RunFinished arrives (or `timeoutMs`). */
async function streamEvents(runId: string, timeoutMs: number): Promise<RunEvent[]> {
  const nc = await connect({ servers: nats.url, name: "outbox-test-reader", maxReconnectAttempts: -1 });
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const events: RunEvent[] = [];
  try {
    for await (const { event } of subscribeEvents({ nc, stream, runId, signal: ac.signal })) {
      events.push(event);
      if (event.payload.case === "runFinished") break;
    }
  } finally {
    clearTimeout(timer);
    await nc.close();
  }
  return events;
}

test("NATS killed across the end of a run: the final event reaches the stream once NATS is back, in order, exactly once", async () => {
  const c = coordinator(() => nats.kill());
  await c.start();
  const { runId } = await c.runBatch(runInput);
  await c.waitFor(runId);
  const ended = (await store.repo.get(runId))!;
  assert.equal(ended.status, "completed", ended.errorSummary);
  assert.ok(ended.eventsUndelivered > 0, "the last events wait in the outbox");
  assert.match(ended.warnings.join(";"), /kept in the outbox/);

  await nats.start();
  // The relay retries with backoff (≤ 1 s here) and its publisher reconnects by itself.
  const events = await streamEvents(runId, 30_000);
  const last = events.at(-1);
  assert.equal(last?.payload.case, "runFinished", "RunFinished is in the stream");
  assert.equal(last.payload.case === "runFinished" && last.payload.value.runStatus, RunStatus.COMPLETED);
  assert.deepEqual(
    events.map((e) => Number(e.runSeq)),
    events.map((_, i) => i + 1),
    "every event once, in run_seq order",
  );
  for (let i = 0; i < 50 && (await store.repo.outboxCount(runId)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await store.repo.outboxCount(runId), 0, "relayed rows are deleted");
  assert.equal((await store.repo.get(runId))!.eventsUndelivered, 0);
});

test("a coordinator restarted with rows still in the outbox relays them; a re-relayed row is not a duplicate", async () => {
  // The first coordinator ends its run with NATS down, then shuts down with the rows still there.
  const first = coordinator(() => nats.kill());
  await first.start();
  const { runId } = await first.runBatch(runInput);
  await first.waitFor(runId);
  await first.shutdown(1000);
  const left = await store.repo.outboxCount(runId);
  assert.ok(left > 0, `rows left in the outbox: ${left}`);

  await nats.start();
  const second = coordinator();
  await second.start();
  const events = await streamEvents(runId, 30_000);
  assert.equal(events.at(-1)?.payload.case, "runFinished");
  const total = events.length;

  // A crash between the stream's ack and the row's delete re-relays a row: JetStream drops it by msgID.
  const payload = await lastEventPayload(runId);
  await store.db.query(`INSERT INTO "${store.schema}".outbox (run_id, run_seq, payload) VALUES ($1, $2, $3)`, [
    runId,
    decodeRunEvent(payload).runSeq.toString(),
    Buffer.from(payload),
  ]);
  assert.equal(await second.relay.flush(), true);
  assert.equal(await store.repo.outboxCount(runId), 0);
  const again = await streamEvents(runId, 10_000);
  assert.equal(again.length, total, "no duplicate in the stream");
});

/** The wire form of the run's last event as stored in the stream. */
async function lastEventPayload(runId: string): Promise<Uint8Array> {
  const nc = await connect({ servers: nats.url, name: "outbox-test-raw" });
  try {
    const jsm = await nc.jetstreamManager();
    const msg = await jsm.streams.getMessage(stream.name, { last_by_subj: runSubject(stream, runId) });
    return msg.data;
  } finally {
    await nc.close();
  }
}
