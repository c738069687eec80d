import assert from "node:assert/strict";
import { test } from "node:test";
import { Phase, RunState, type WatchStatusResponse } from "@sigma/contracts";
import { RunEventBuilder } from "./event-builder.js";
import { StatusProjection } from "./projection.js";
import { StatusWatchHub, initialWatchResponse } from "./watch.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);
const clock = () => new Date(T0 + 3_600_000);

function recorder(): { updates: WatchStatusResponse[]; listener: (u: WatchStatusResponse) => void } {
  const updates: WatchStatusResponse[] = [];
  return { updates, listener: (u) => updates.push(u) };
}

test("a new watcher gets the current status, then one message per event of its target", () => {
  const hub = new StatusWatchHub(new StatusProjection(), { now: clock });
  const r1 = new RunEventBuilder("r1", ["p1"], T0);
  const other = new RunEventBuilder("r9", ["p9"], T0);
  hub.apply(1, r1.runStarted([Phase.MARKET_DATA]));

  const { updates, listener } = recorder();
  const stop = hub.subscribe({ portfolioId: "p1" }, 0, listener);
  assert.equal(updates.length, 1);
  assert.equal(updates[0]!.seq, 1n);
  assert.equal(updates[0]!.event, undefined);
  assert.equal(updates[0]!.status?.state, RunState.RUNNING);

  hub.apply(2, other.runStarted([]));
  hub.apply(3, r1.phaseStarted(Phase.MARKET_DATA, 5, "symbols"));
  assert.deepEqual(
    updates.map((u) => u.seq),
    [1n, 3n],
    "the other portfolio's event is not sent",
  );
  assert.equal(updates[1]!.event?.payload.case, "phaseStarted");
  assert.equal(updates[1]!.status?.currentPhase, Phase.MARKET_DATA);

  stop();
  stop();
  hub.apply(4, r1.runFinished("completed"));
  assert.equal(updates.length, 2);
  assert.equal(hub.size, 0);
});

test("a portfolio watcher follows the portfolio to its next run", () => {
  const hub = new StatusWatchHub(new StatusProjection(), { now: clock });
  const { updates, listener } = recorder();
  hub.subscribe({ portfolioId: "p1" }, 0, listener);
  assert.equal(updates[0]!.status?.state, RunState.NOT_FOUND);
  hub.apply(1, new RunEventBuilder("r1", ["p1"], T0).runStarted([]));
  hub.apply(2, new RunEventBuilder("r2", ["p1"], T0).runStarted([]));
  assert.deepEqual(
    updates.map((u) => u.status?.runId),
    ["", "r1", "r2"],
  );
});

test("resuming after a seq sends no duplicates and loses nothing", () => {
  const b = new RunEventBuilder("r1", ["p1"], T0);
  const events = [
    b.runStarted([Phase.MARKET_DATA]),
    b.phaseStarted(Phase.MARKET_DATA, 4, "symbols"),
    b.phaseProgress(Phase.MARKET_DATA, 2, 4, "symbols"),
    b.phaseFinished(Phase.MARKET_DATA, true, 1, "4/4 symbols"),
    b.runFinished("completed"),
  ];
  // Reference: one uninterrupted watcher sees every event.
  const all = new StatusWatchHub(new StatusProjection(), { now: clock });
  const ref = recorder();
  all.subscribe({ runId: "r1" }, 0, ref.listener);
  events.forEach((e, i) => all.apply(i + 1, e));
  const finalRef = ref.updates.at(-1)!.status;

  // Interrupted watcher: had seq 2, reconnects when the server is at seq 3.
  const hub = new StatusWatchHub(new StatusProjection(), { now: clock });
  events.slice(0, 3).forEach((e, i) => hub.apply(i + 1, e));
  const resumed = recorder();
  hub.subscribe({ runId: "r1" }, 2, resumed.listener);
  events.slice(3).forEach((e, i) => hub.apply(i + 4, e));
  assert.deepEqual(
    resumed.updates.map((u) => u.seq),
    [3n, 4n, 5n],
    "current state at 3 then strictly later events",
  );
  assert.deepEqual(resumed.updates.at(-1)!.status, finalRef);

  // Up to date: resume_after = lastSeq sends nothing until something new happens.
  const upToDate = recorder();
  hub.subscribe({ runId: "r1" }, 5, upToDate.listener);
  assert.equal(upToDate.updates.length, 0);

  // Server behind the client (replaying after a restart): nothing at or before resume_after.
  const behind = new StatusWatchHub(new StatusProjection(), { now: clock });
  const ahead = recorder();
  behind.subscribe({ runId: "r1" }, 4, ahead.listener);
  events.forEach((e, i) => behind.apply(i + 1, e));
  assert.deepEqual(
    ahead.updates.map((u) => u.seq),
    [5n],
  );
});

test("the initial message is skipped when the target did not change after resume_after", () => {
  const p = new StatusProjection();
  p.apply(1, new RunEventBuilder("r1", ["p1"], T0).runStarted([]));
  p.apply(2, new RunEventBuilder("r2", ["p2"], T0).runStarted([]));
  assert.equal(initialWatchResponse(p, { portfolioId: "p1" }, 1, clock()), undefined);
  assert.equal(initialWatchResponse(p, { portfolioId: "p2" }, 1, clock())?.seq, 2n);
  assert.throws(() => initialWatchResponse(p, { portfolioId: "p2" }, -1, clock()), RangeError);
});

test("a throwing listener is removed and reported; others still get the update", () => {
  const errors: unknown[] = [];
  const hub = new StatusWatchHub(new StatusProjection(), { now: clock, onListenerError: (e) => errors.push(e) });
  const b = new RunEventBuilder("r1", ["p1"], T0);
  hub.apply(1, b.runStarted([]));
  const good = recorder();
  hub.subscribe({ runId: "r1" }, 1, () => {
    throw new Error("socket gone");
  });
  hub.subscribe({ runId: "r1" }, 1, good.listener);
  hub.apply(2, b.activity("x"));
  assert.equal(errors.length, 1);
  assert.equal(good.updates.length, 1);
  assert.equal(hub.size, 1);

  const strict = new StatusWatchHub(new StatusProjection(), { now: clock });
  strict.subscribe({ runId: "r1" }, 0, (u) => {
    if (u.event) throw new Error("boom");
  });
  assert.throws(() => strict.apply(1, b.runStarted([])), AggregateError);
  assert.equal(strict.projection.lastSeq, 1, "the projection is updated regardless");
});
