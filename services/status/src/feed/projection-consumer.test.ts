import assert from "node:assert/strict";
import { test } from "node:test";
import { Phase } from "@sigma/contracts";
import { createMemoryBus, type EventSource } from "@sigma/events";
import { createLogger } from "@sigma/runtime";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import { StatusWatchHub } from "../domain/watch.js";
import type { StatusEventFeed } from "./event-feed.js";
import { runProjectionConsumer } from "./projection-consumer.js";

function collectingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("status-test", {
    level: "debug",
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { logger, lines };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition not reached");
}

function setup(source: EventSource) {
  const { logger, lines } = collectingLogger();
  const hub = new StatusWatchHub(new StatusProjection());
  const readiness = new ProjectionReadiness();
  const abort = new AbortController();
  const done = runProjectionConsumer({ source, hub, readiness, logger, signal: abort.signal, retryMs: 5, maxRetryMs: 20 });
  const stop = (): Promise<void> => {
    abort.abort();
    return done;
  };
  return { hub, readiness, lines, stop };
}

test("ready only once the events stored at subscription time are applied (memory bus passed as is)", async () => {
  const bus = createMemoryBus();
  const b = new RunEventBuilder("r", [], 0);
  await bus.publish(b.runStarted([Phase.MARKET_DATA]));
  await bus.publish(b.phaseStarted(Phase.MARKET_DATA, 1, "symbols"));
  const { hub, readiness, stop } = setup(bus);
  assert.equal(readiness.isReady, false);
  await waitUntil(() => readiness.isReady);
  assert.equal(hub.projection.lastSeq, 2);
  await stop();
});

test("a failing feed is retried with the reason logged; nothing is ready until it replays", async () => {
  const bus = createMemoryBus();
  await bus.publish(new RunEventBuilder("r", [], 0).runStarted([]));
  let failures = 2;
  const flaky: StatusEventFeed = {
    headSeq: async () => {
      if (failures-- > 0) throw new Error("connection refused");
      return bus.lastSeq();
    },
    subscribe: (o) => bus.subscribe(o),
  };
  const { readiness, lines, stop } = setup(flaky);
  await waitUntil(() => readiness.isReady);
  const warnings = lines.filter((l) => l.level === "warn");
  assert.equal(warnings.length, 2);
  assert.match(String(warnings[0]!.msg), /NOT_SERVING/);
  await stop();
});

test("an undecodable last event still counts as read (the replay completes)", async () => {
  const bus = createMemoryBus();
  await bus.publish(new RunEventBuilder("r", [], 0).runStarted([]));
  const feed: StatusEventFeed = {
    headSeq: async () => 2,
    async *subscribe(o) {
      for await (const e of bus.subscribe(o)) {
        yield e;
        o.onSkip?.(2); // seq 2 is a message that could not be decoded
      }
    },
  };
  const { hub, readiness, stop } = setup(feed);
  await waitUntil(() => readiness.isReady);
  assert.equal(hub.projection.lastSeq, 2);
  await stop();
});

test("a source that cannot report its head is ready at once, with a warning", async () => {
  const bus = createMemoryBus();
  const plain: EventSource = { subscribe: (o) => bus.subscribe(o) };
  const { readiness, lines, stop } = setup(plain);
  assert.equal(readiness.isReady, true);
  assert.ok(lines.some((l) => l.level === "warn" && /cannot report where the stream ends/.test(String(l.msg))));
  await stop();
});
