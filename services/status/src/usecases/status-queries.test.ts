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

test("queries answer UNAVAILABLE to everyone while replaying (ownership is not known yet)", () => {
  const { queries } = setup(false);
  assert.throws(() => queries.getStatus(USER, { runId: "r" }), UnavailableError);
  assert.throws(() => queries.getStatus(USER, { portfolioId: "p" }), UnavailableError);
  assert.throws(() => queries.watch(USER, { portfolioId: "p" }, 0, recorder().sink), UnavailableError);
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

const BOB: Principal = { sub: "bob", roles: ["user"] };

/** alice's portfolio run r-alice (portfolio pa), bob's nothing, and a universe run. */
function ownedSetup() {
  const s = setup();
  const alice = new RunEventBuilder("r-alice", ["pa"], T0);
  const universe = new RunEventBuilder("r-universe", [], T0);
  s.hub.apply(1, alice.runStarted([Phase.MARKET_DATA], "onboarding", 0, "alice"));
  s.hub.apply(2, universe.runStarted([Phase.MARKET_DATA], "cron"));
  return { ...s, alice, universe };
}

test("access matrix: admin sees all, the owner their portfolio run, others nothing (missing or not)", () => {
  const { queries } = ownedSetup();
  const existingRun = { runId: "r-alice" };
  const missingRun = { runId: "r-missing" };
  const existingPortfolio = { portfolioId: "pa" };
  const missingPortfolio = { portfolioId: "p-missing" };

  // Admin: everything; a missing run is NOT_FOUND, a portfolio without runs a NOT_FOUND view.
  assert.equal(queries.getStatus(ADMIN, existingRun).runId, "r-alice");
  assert.equal(queries.getStatus(ADMIN, existingPortfolio).runId, "r-alice");
  assert.throws(() => queries.getStatus(ADMIN, missingRun), NotFoundError);
  assert.equal(queries.getStatus(ADMIN, missingPortfolio).state, RunState.NOT_FOUND);
  assert.equal(queries.getStatus(ADMIN, { runId: "r-universe" }).state, RunState.RUNNING);

  // Owner: their run by id and by portfolio; missing targets are PERMISSION_DENIED, not NOT_FOUND.
  assert.equal(queries.getStatus(USER, existingRun).state, RunState.RUNNING);
  assert.equal(queries.getStatus(USER, existingPortfolio).runId, "r-alice");
  assert.equal(queries.getActivityLog(USER, existingPortfolio).runId, "r-alice");
  for (const target of [missingRun, missingPortfolio, { runId: "r-universe" }]) {
    assert.throws(() => queries.getStatus(USER, target), PermissionDeniedError);
    assert.throws(() => queries.getActivityLog(USER, target), PermissionDeniedError);
  }

  // Another user: the same refusal for alice's run, her portfolio and missing targets.
  for (const target of [existingRun, existingPortfolio, missingRun, missingPortfolio, { runId: "r-universe" }]) {
    assert.throws(() => queries.getStatus(BOB, target), PermissionDeniedError);
    assert.throws(() => queries.getActivityLog(BOB, target), PermissionDeniedError);
  }
});

test("a portfolio run without an owner (published before owners existed) is admin-only", () => {
  const { hub, queries } = setup();
  hub.apply(1, new RunEventBuilder("r-old", ["pa"], T0).runStarted([Phase.MARKET_DATA]));
  assert.throws(() => queries.getStatus(USER, { portfolioId: "pa" }), PermissionDeniedError);
  assert.equal(queries.getStatus(ADMIN, { portfolioId: "pa" }).runId, "r-old");
});

test("the owner watches their portfolio to the run's end; a non-owner's watch ends PERMISSION_DENIED", async () => {
  const { hub, queries, alice, universe } = ownedSetup();
  const owner = recorder();
  queries.watch(USER, { portfolioId: "pa" }, 0, owner.sink);
  hub.apply(3, universe.activity("not alice's"));
  hub.apply(4, alice.runFinished(RunStatus.COMPLETED));
  assert.deepEqual(owner.log, ["start", "update 2", "update 4", "end"]);

  for (const target of [{ portfolioId: "pa" }, { runId: "r-alice" }, { runId: "r-missing" }, { portfolioId: "p-missing" }]) {
    const other = recorder();
    queries.watch(BOB, target, 0, other.sink);
    assert.ok((await other.ended) instanceof PermissionDeniedError, JSON.stringify(target));
    assert.deepEqual(other.log, ["end PermissionDeniedError"], "nothing shown before the refusal");
  }
  assert.equal(hub.size, 0);
});

test("an owner's watch of a portfolio without runs yet follows the first run when it appears", () => {
  const { hub, queries } = setup();
  const w = recorder();
  queries.watch(USER, { portfolioId: "pa" }, 0, w.sink);
  assert.deepEqual(w.log, [], "no NOT_FOUND view for a non-admin");
  // Someone else's run in another portfolio does not start the watch.
  hub.apply(1, new RunEventBuilder("r-bob", ["pb"], T0).runStarted([], "onboarding", 0, "bob"));
  const b = new RunEventBuilder("r-alice", ["pa"], T0);
  hub.apply(2, b.runStarted([Phase.MARKET_DATA], "onboarding", 0, "alice"));
  hub.apply(3, b.runFinished(RunStatus.COMPLETED));
  assert.deepEqual(w.log, ["start", "update 2", "update 3", "end"]);
  assert.equal(w.updates[0]!.status?.runId, "r-alice");
});

test("a portfolio watch that moves on to a run without an owner ends PERMISSION_DENIED", () => {
  const { hub, queries } = ownedSetup();
  const w = recorder();
  queries.watch(USER, { portfolioId: "pa" }, 0, w.sink);
  hub.apply(3, new RunEventBuilder("r-old", ["pa"], T0).runStarted([]));
  assert.deepEqual(w.log, ["start", "update 2", "end PermissionDeniedError"]);
  assert.equal(w.updates.length, 1, "the ownerless run was not shown");
});
