/**
 * Integration tests of @sigma/events against the real nats-server (127.0.0.1:4222, JetStream on).
 * Every run uses a unique stream name and subject prefix; the stream is deleted at the end.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { equals } from "@bufbuild/protobuf";
import { RunEventSchema } from "@sigma/contracts";
import { nanos, StorageType, type JetStreamManager, type NatsConnection } from "nats";
import { connectNats, drainAndClose } from "./connection.js";
import { createNatsPublisher, type EventPublisher } from "./publisher.js";
import { ensureStream } from "./stream.js";
import { subscribeEvents } from "./subscriber.js";
import { eventStreamConfig, runSubject } from "./subjects.js";
import { sampleEvent, take } from "./test-events.js";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const N = 20;

describe("events over NATS JetStream", () => {
  const id = randomBytes(5).toString("hex");
  const stream = { name: `TEST_EVENTS_${id}`, subjectPrefix: `t${id}.sigma.events.v1` };
  const cfg = eventStreamConfig(stream);
  const runId = `run-${id}`;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let publisher: EventPublisher;

  before(async () => {
    nc = await connectNats(NATS_URL, { name: "sigma-events-test", waitOnFirstConnect: false });
    jsm = await nc.jetstreamManager();
    publisher = createNatsPublisher({ nc, stream });
  });

  after(async () => {
    await publisher?.close();
    if (jsm) await jsm.streams.delete(cfg.name);
    if (nc) {
      assert.equal(await drainAndClose(nc), undefined);
      assert.equal(await drainAndClose(nc), undefined); // idempotent
      assert.equal(nc.isClosed(), true);
    }
  });

  it("ensureStream creates a file-backed stream with limits and is idempotent", async () => {
    const info = await ensureStream(jsm, cfg);
    assert.equal(info.config.storage, StorageType.File);
    assert.deepEqual(info.config.subjects, [`${stream.subjectPrefix}.>`]);
    assert.equal(info.config.max_age, nanos(cfg.maxAgeMs));
    const again = await ensureStream(jsm, eventStreamConfig({ ...stream, maxAgeMs: 3_600_000 }));
    assert.equal(again.config.max_age, nanos(3_600_000));
    await ensureStream(jsm, cfg);
  });

  it("publishes N events that a subscriber from 0 receives in order with decoded payloads", async () => {
    for (let i = 1; i <= N; i++) {
      const res = await publisher.publish(sampleEvent(runId, i));
      assert.deepEqual(res, { delivered: true, seq: i, duplicate: false });
    }
    assert.equal(publisher.undelivered(), 0);
    const ac = new AbortController();
    const got = await take(subscribeEvents({ nc, stream, signal: ac.signal }), N);
    ac.abort();
    assert.deepEqual(
      got.map((g) => g.seq),
      Array.from({ length: N }, (_, i) => i + 1),
    );
    for (const g of got) assert.ok(equals(RunEventSchema, g.event, sampleEvent(runId, g.seq)), `event ${g.seq}`);
  });

  it("subscribing after k replays k+1..N without loss or duplicates", async () => {
    for (const k of [1, 7, N - 1]) {
      const ac = new AbortController();
      const got = await take(subscribeEvents({ nc, stream, afterSeq: k, signal: ac.signal }), N - k);
      ac.abort();
      assert.deepEqual(
        got.map((g) => g.seq),
        Array.from({ length: N - k }, (_, i) => k + 1 + i),
        `afterSeq ${k}`,
      );
    }
  });

  it("follows live events after the replay, and ends when the signal aborts", async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const e of subscribeEvents({ nc, stream, afterSeq: N - 2, signal: ac.signal })) {
        seen.push(e.seq);
        if (seen.length === 2) {
          // Replay done: publish live events only now, so they must arrive through the live follow.
          for (let i = N + 1; i <= N + 3; i++) await publisher.publish(sampleEvent(runId, i));
        }
        if (seen.length === 5) ac.abort();
      }
    })();
    await loop; // must complete (no AbortError) once aborted
    assert.deepEqual(seen, [N - 1, N, N + 1, N + 2, N + 3]);
  });

  it("ends an idle subscription (waiting for live events) when the signal aborts", async () => {
    const last = (await jsm.streams.info(cfg.name)).state.last_seq;
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const e of subscribeEvents({ nc, stream, afterSeq: last, signal: ac.signal })) seen.push(e.seq);
    })();
    // Let the consumer be created and start waiting, then abort from outside the loop.
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await loop;
    assert.deepEqual(seen, []);
  });

  it("drops a republished run_id:run_seq as a duplicate", async () => {
    const before = (await jsm.streams.info(cfg.name)).state.messages;
    const res = await publisher.publish(sampleEvent(runId, 5));
    assert.equal(res.delivered, true);
    assert.equal(res.duplicate, true);
    assert.equal((await jsm.streams.info(cfg.name)).state.messages, before);
  });

  it("filters one run's events by subject", async () => {
    const other = `other-${id}`;
    const res = await publisher.publish(sampleEvent(other, 1));
    assert.ok(res.delivered);
    const msg = await jsm.streams.getMessage(cfg.name, { seq: res.seq! });
    assert.equal(msg.subject, runSubject(cfg, other));
    const ac = new AbortController();
    const got = await take(subscribeEvents({ nc, stream, runId: other, signal: ac.signal }), 1);
    ac.abort();
    assert.deepEqual(
      got.map((g) => [g.seq, g.event.runId]),
      [[res.seq, other]],
    );
  });

  it("reports a stored message that is not a RunEvent instead of skipping it silently", async () => {
    const bad = await nc.jetstream().publish(runSubject(cfg, `bad-${id}`), new Uint8Array([0xff, 0xff]));
    const ac = new AbortController();
    await assert.rejects(
      take(subscribeEvents({ nc, stream, afterSeq: bad.seq - 1, signal: ac.signal }), 1),
      /cannot decode RunEvent at stream seq/,
    );
    const skipped: number[] = [];
    const next = await publisher.publish(sampleEvent(runId, 100));
    const got = await take(
      subscribeEvents({ nc, stream, afterSeq: bad.seq - 1, signal: ac.signal, onDecodeError: (e) => skipped.push(e.seq!) }),
      1,
    );
    ac.abort();
    assert.deepEqual(skipped, [bad.seq]);
    assert.deepEqual(
      got.map((g) => g.seq),
      [next.seq],
    );
  });

  it("a publisher owning its connection (from a URL) creates the stream and delivers", async () => {
    const stream2 = { name: `TEST_EVENTS_${id}_B`, subjectPrefix: `t${id}b.sigma.events.v1` };
    const own = createNatsPublisher({ url: NATS_URL, stream: stream2, timeoutMs: 5000 });
    try {
      assert.deepEqual(await own.publish(sampleEvent(runId, 1)), { delivered: true, seq: 1, duplicate: false });
      assert.equal((await jsm.streams.info(stream2.name)).state.messages, 1);
    } finally {
      await own.close();
      await jsm.streams.delete(stream2.name);
    }
  });

  it("a publisher against an unreachable server does not throw and counts undelivered events", async () => {
    const warnings: object[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object) => void warnings.push(o) };
    const dead = createNatsPublisher({ url: "nats://127.0.0.1:1", stream, timeoutMs: 200, logger });
    for (let i = 1; i <= 3; i++) assert.deepEqual(await dead.publish(sampleEvent(runId, i)), { delivered: false });
    assert.equal(dead.undelivered(), 3);
    assert.ok(
      warnings.some((w) => "undelivered" in w),
      "an undelivered warning was logged",
    );
    await dead.close(); // must not hang on the retry loop
    assert.deepEqual(await dead.publish(sampleEvent(runId, 4)), { delivered: false });
    assert.equal(dead.undelivered(), 4);
  });

  it("counts a publish into a missing stream as undelivered (no stream ensured)", async () => {
    const p = createNatsPublisher({
      nc,
      stream: { name: `TEST_MISSING_${id}`, subjectPrefix: `t${id}m.sigma.events.v1` },
      ensureStream: false,
      timeoutMs: 500,
    });
    assert.deepEqual(await p.publish(sampleEvent(runId, 1)), { delivered: false });
    assert.equal(p.undelivered(), 1);
    await p.close();
    assert.equal(nc.isClosed(), false, "a borrowed connection is not closed by the publisher");
  });
});
