import assert from "node:assert/strict";
import { test } from "node:test";
import { Phase, RunState, RunStatus, type WatchStatusResponse } from "@sigma/contracts";
import { NotFoundError, PermissionDeniedError, type Principal, UnavailableError } from "@sigma/runtime";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import { StatusWatchHub } from "../domain/watch.js";
import { StatusQueries, type WatchSink } from "./status-queries.js";

const ADMIN: Principal = { sub: "ops", roles: ["user", "admin"] };
const USER: Principal = { sub: "alice", roles: ["user"] };
const T0 = Date.UTC(2020, 0, 2);

function setup(ready = true) {
  const hub = new StatusWatchHub(new StatusProjection(), { now: () => new Date(T0) });
  const readiness = new ProjectionReadiness();
  if (ready) readiness.markReady();
  return { hub, readiness, queries: new StatusQueries(hub, readiness, { now: () => new Date(T0), unknownRunGraceMs: 20 }) };
}

/** A sink that records what the watch did. */
function recorder() {
  const log: string[] = [];
  const updates: WatchStatusResponse[] = [];
  let endWith!: (e: unknown) => void;
  const ended = new Promise<unknown>((resolve) => (endWith = resolve));
  const sink: WatchSink = {
    start: () => log.push("start"),
    update: (u) => {
      updates.push(u);
      log.push(`update ${u.seq}`);
    },
    end: (e) => {
      log.push(e === undefined ? "end" : `end ${(e as Error).name}`);
      endWith(e);
    },
  };
  return { log, updates, sink, ended };
}

test("queries refuse non-admins first, then answer UNAVAILABLE while replaying", () => {
  const { queries } = setup(false);
  assert.throws(() => queries.getStatus(USER, { runId: "r" }), PermissionDeniedError);
  assert.throws(() => queries.getStatus(ADMIN, { runId: "r" }), UnavailableError);
  assert.throws(() => queries.watch(ADMIN, { runId: "r" }, 0, recorder().sink), UnavailableError);
});

test("an unknown run is NOT_FOUND; a portfolio without runs is a NOT_FOUND view", () => {
  const { queries } = setup();
  assert.throws(() => queries.getStatus(ADMIN, { runId: "r" }), NotFoundError);
  assert.throws(() => queries.getActivityLog(ADMIN, { runId: "r" }), NotFoundError);
  assert.equal(queries.getStatus(ADMIN, { portfolioId: "p" }).state, RunState.NOT_FOUND);
  assert.equal(queries.getActivityLog(ADMIN, { portfolioId: "p" }).entries.length, 0);
});

test("a watch ends after the run's final event; a finished run sends its state once and ends", () => {
  const { hub, queries } = setup();
  const b = new RunEventBuilder("r", [], T0);
  hub.apply(1, b.runStarted([Phase.MARKET_DATA]));
  const live = recorder();
  queries.watch(ADMIN, { runId: "r" }, 0, live.sink);
  hub.apply(2, b.runFinished(RunStatus.FAILED, "boom"));
  hub.apply(3, new RunEventBuilder("other", [], T0).runStarted([]));
  assert.deepEqual(live.log, ["start", "update 1", "update 2", "end"]);
  assert.equal(hub.size, 0, "unsubscribed");

  const late = recorder();
  queries.watch(ADMIN, { runId: "r" }, 0, late.sink);
  assert.deepEqual(late.log, ["start", "update 3", "end"]);
  const upToDate = recorder();
  queries.watch(ADMIN, { runId: "r" }, 2, upToDate.sink);
  assert.deepEqual(upToDate.log, ["start", "end"]);
});

test("a watch of an unknown run waits for it, then follows it; without it, it ends NOT_FOUND", async () => {
  const { hub, queries } = setup();
  const appears = recorder();
  queries.watch(ADMIN, { runId: "r" }, 0, appears.sink);
  assert.deepEqual(appears.log, [], "no NOT_FOUND placeholder, no start yet");
  const b = new RunEventBuilder("r", [], T0);
  hub.apply(1, b.runStarted([]));
  hub.apply(2, b.runFinished(RunStatus.COMPLETED));
  assert.deepEqual(appears.log, ["start", "update 1", "update 2", "end"]);
  assert.equal(appears.updates[0]!.status?.state, RunState.RUNNING);

  const never = recorder();
  queries.watch(ADMIN, { runId: "nope" }, 0, never.sink);
  assert.ok((await never.ended) instanceof NotFoundError);
  assert.deepEqual(never.log, ["end NotFoundError"]);
  assert.equal(hub.size, 0);
});

test("cancel stops a watch without ending it", async () => {
  const { hub, queries } = setup();
  const w = recorder();
  const cancel = queries.watch(ADMIN, { runId: "nope" }, 0, w.sink);
  cancel();
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(w.log, []);
  assert.equal(hub.size, 0);
});
