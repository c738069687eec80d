import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createMemoryBus } from "./memory-bus.js";
import { subscribeEvents } from "./subscriber.js";
import { sampleEvent, take } from "./test-events.js";

describe("memory bus", () => {
  it("assigns sequences 1..n and replays everything from 0 with decoded payloads", async () => {
    const bus = createMemoryBus();
    for (let i = 1; i <= 5; i++) assert.deepEqual(await bus.publish(sampleEvent("r1", i)), { delivered: true, seq: i, duplicate: false });
    const ac = new AbortController();
    const got = await take(subscribeEvents({ bus, signal: ac.signal }), 5);
    ac.abort();
    assert.deepEqual(
      got.map((g) => g.seq),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      got.map((g) => Number(g.event.runSeq)),
      [1, 2, 3, 4, 5],
    );
    assert.equal(got[0]!.event.payload.case, "runStarted");
    assert.equal(got[2]!.event.payload.case === "activity" && got[2]!.event.payload.value.message, "line 3 ü");
  });

  it("replays after afterSeq without loss or duplicates, then follows live events", async () => {
    const bus = createMemoryBus();
    for (let i = 1; i <= 6; i++) await bus.publish(sampleEvent("r1", i));
    const ac = new AbortController();
    const pending = take(bus.subscribe({ afterSeq: 4, signal: ac.signal }), 4);
    await bus.publish(sampleEvent("r1", 7));
    await bus.publish(sampleEvent("r1", 8));
    const got = await pending;
    ac.abort();
    assert.deepEqual(
      got.map((g) => g.seq),
      [5, 6, 7, 8],
    );
  });

  it("drops a republished run_id:run_seq as a duplicate", async () => {
    const bus = createMemoryBus();
    await bus.publish(sampleEvent("r1", 1));
    await bus.publish(sampleEvent("r1", 2));
    assert.deepEqual(await bus.publish(sampleEvent("r1", 1)), { delivered: true, seq: 1, duplicate: true });
    assert.equal(bus.lastSeq(), 2);
    await bus.publish(sampleEvent("r2", 1)); // same run_seq, other run: a distinct event
    assert.equal(bus.lastSeq(), 3);
  });

  it("filters by run id while keeping global sequences", async () => {
    const bus = createMemoryBus();
    await bus.publish(sampleEvent("a", 1));
    await bus.publish(sampleEvent("b", 1));
    await bus.publish(sampleEvent("a", 2));
    const ac = new AbortController();
    const got = await take(bus.subscribe({ signal: ac.signal, runId: "a" }), 2);
    ac.abort();
    assert.deepEqual(
      got.map((g) => [g.seq, g.event.runId]),
      [
        [1, "a"],
        [3, "a"],
      ],
    );
  });

  it("ends a waiting subscription when its signal aborts, and every subscription on close", async () => {
    const bus = createMemoryBus();
    await bus.publish(sampleEvent("r1", 1));
    const ac = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const e of bus.subscribe({ signal: ac.signal })) seen.push(e.seq);
    })();
    await new Promise((r) => setImmediate(r));
    ac.abort();
    await loop; // completes normally, no AbortError
    assert.deepEqual(seen, [1]);

    const other = (async () => {
      const out: number[] = [];
      for await (const e of bus.subscribe({ signal: new AbortController().signal })) out.push(e.seq);
      return out;
    })();
    await new Promise((r) => setImmediate(r));
    await bus.close();
    assert.deepEqual(await other, [1]);
    assert.deepEqual(await bus.publish(sampleEvent("r1", 2)), { delivered: false });
    assert.equal(bus.undelivered(), 1);
  });

  it("rejects invalid afterSeq and source combinations", () => {
    const bus = createMemoryBus();
    const signal = new AbortController().signal;
    assert.throws(() => subscribeEvents({ bus, signal, afterSeq: -1 }), RangeError);
    assert.throws(() => subscribeEvents({ signal }), TypeError);
  });
});
