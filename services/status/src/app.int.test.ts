import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import { CoordinatorService, Phase, RunSource, RunState, RunStatus, StatusService } from "@sigma/contracts";
import { Health } from "@sigma/contracts/health";
import { createMemoryBus } from "@sigma/events";
import { AlreadyExistsError, createLogger, createServiceClient, defineService, issueToken, ServingStatus, serve } from "@sigma/runtime";
import { LIVENESS_HEALTH_NAME, loadStatusConfig, memoryEventFeed, type StatusEventFeed, startStatus, type StartedStatus } from "./app.js";
import { RunEventBuilder } from "./domain/event-builder.js";

// The status service over real sockets with JWT auth, fed by the in-process bus (the same
// EventSource contract as JetStream): access rules, GetStatus, WatchStatus resume, the web API.
const secret = "status-test-secret-0123456789abcdef";
const bus = createMemoryBus();
let status: StartedStatus;
let adminToken: string;
let userToken: string;
let bobToken: string;
/** The configuration main.ts would load, on any free ports, fed by the bus instead of NATS. */
const statusConfig = (env: Record<string, string> = {}) =>
  loadStatusConfig(
    { PORT: "0", HOST: "127.0.0.1", STATUS_HTTP_PORT: "0", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, ...env },
    { requireNats: false },
  );

before(async () => {
  adminToken = await issueToken(secret, "ops", ["user", "admin"]);
  userToken = await issueToken(secret, "alice", ["user"]);
  bobToken = await issueToken(secret, "bob", ["user"]);
  status = await startStatus(statusConfig(), {
    events: memoryEventFeed(bus),
    logger: createLogger("status-test", { level: "silent" }),
    unknownRunGraceMs: 100,
  });
});

after(async () => {
  await status.close();
});

const client = (token?: string) => createServiceClient(StatusService, status.url, { token, retries: 0 });
const runTarget = (runId: string) => ({ target: { case: "runId" as const, value: runId } });

async function waitForSeq(seq: number) {
  for (let i = 0; i < 100 && status.hub.projection.lastSeq < seq; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(status.hub.projection.lastSeq, seq);
}

test("a non-admin gets PERMISSION_DENIED whether or not the run exists; no token is UNAUTHENTICATED", async () => {
  const runA = randomUUID();
  const b = new RunEventBuilder(runA, [], Date.now());
  await bus.publish(b.runStarted([Phase.MARKET_DATA], "cron", 1));
  for (const runId of [runA, randomUUID()]) {
    await assert.rejects(
      client(userToken).getStatus({ target: runTarget(runId) }),
      (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied,
    );
  }
  await assert.rejects(client().getStatus({ target: runTarget(runA) }), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  const res = await fetch(`http://127.0.0.1:${status.httpPort}/api/status?run=${runA}`, {
    headers: { authorization: `Bearer ${userToken}` },
  });
  assert.equal(res.status, 403);
});

test("WatchStatus sends the current state, then every change; resuming after a seq loses and repeats nothing", async () => {
  const runB = randomUUID();
  const b = new RunEventBuilder(runB, [], Date.now());
  const first = await bus.publish(b.runStarted([Phase.MARKET_DATA], "manual", 1));
  await bus.publish(b.phaseStarted(Phase.MARKET_DATA, 3, "symbols"));
  await waitForSeq(first.seq! + 1);

  const ac = new AbortController();
  const seen: number[] = [];
  const stream = client(adminToken).watchStatus({ target: runTarget(runB) }, { signal: ac.signal });
  // Publish only once the initial state has arrived, so the test does not depend on timing.
  const publish = async () => {
    await bus.publish(b.phaseProgress(Phase.MARKET_DATA, 3, 3, "symbols"));
    await bus.publish(b.phaseFinished(Phase.MARKET_DATA, true, 1.5, "3/3 symbols (100% coverage)"));
    await bus.publish(b.runFinished("completed"));
  };
  let publisher: Promise<void> | undefined;
  let last;
  // No break: the stream ends by itself after the run's final event.
  for await (const u of stream) {
    seen.push(Number(u.seq));
    last = u.status!;
    publisher ??= publish();
  }
  assert.equal(last?.state, RunState.COMPLETED);
  assert.equal(last?.runStatus, RunStatus.COMPLETED);
  await publisher;
  assert.deepEqual(
    seen,
    [first.seq! + 1, first.seq! + 2, first.seq! + 3, first.seq! + 4],
    "initial state at the last applied seq, then one update per event",
  );
  assert.equal(last!.phases[0]!.summary, "3/3 symbols (100% coverage)");

  // Resume after the first update: the current state, then nothing older is replayed, then the end.
  const resumed: number[] = [];
  for await (const u of client(adminToken).watchStatus({ target: runTarget(runB), resumeAfter: BigInt(first.seq! + 1) })) {
    resumed.push(Number(u.seq));
  }
  assert.deepEqual(resumed, [first.seq! + 4], "one catch-up message carrying the state after the last event");
  // A client already up to date with the finished run: the stream ends at once.
  const upToDate: number[] = [];
  for await (const u of client(adminToken).watchStatus({ target: runTarget(runB), resumeAfter: BigInt(first.seq! + 4) })) {
    upToDate.push(Number(u.seq));
  }
  assert.deepEqual(upToDate, []);

  const log = await fetch(`http://127.0.0.1:${status.httpPort}/api/log?run=${runB}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  assert.equal(log.status, 200);
  assert.match(log.headers.get("content-disposition") ?? "", /attachment/);
  assert.match(await log.text(), /Market Data Collection/);
});

test("the page's Retry re-submits the run's request to the coordinator (admin only), passing RPC errors on as HTTP codes", async () => {
  const calls: { forceRerun: boolean; startDate: string; endDate: string; source: number }[] = [];
  let conflict = false;
  const coordinator = await serve({
    name: "fake-coordinator",
    port: 0,
    logger: createLogger("fake", { level: "silent" }),
    auth: { mode: "jwt", secret },
    services: [
      defineService(CoordinatorService, {
        async getRun(req) {
          return { run: { id: req.runId, forceRerun: true, requestedStartDate: "2020-01-02", requestedEndDate: "2020-01-23" } };
        },
        async runBatch(req) {
          if (conflict) throw new AlreadyExistsError("run run-x is already running on an overlapping scope");
          calls.push({ forceRerun: req.forceRerun, startDate: req.startDate, endDate: req.endDate, source: req.source });
          return { runId: "run-new" };
        },
      }),
    ],
  });
  const withRetry = await startStatus(statusConfig({ SIGMA_COORDINATOR_URL: coordinator.url }), {
    events: memoryEventFeed(bus),
    logger: createLogger("status-test", { level: "silent" }),
  });
  try {
    const runFailed = randomUUID();
    const b = new RunEventBuilder(runFailed, [], Date.now());
    const { seq } = await bus.publish(b.runStarted([Phase.MARKET_DATA], "cron", 1));
    await bus.publish(b.runFinished("failed", "Market Data Collection failed"));
    for (let i = 0; i < 100 && withRetry.hub.projection.lastSeq < seq! + 1; i++) await new Promise((r) => setTimeout(r, 20));
    const post = (token: string) =>
      fetch(`http://127.0.0.1:${withRetry.httpPort}/api/retry?run=${runFailed}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
    assert.equal((await post(userToken)).status, 403);
    const ok = await post(adminToken);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { runId: "run-new" });
    assert.deepEqual(calls, [{ forceRerun: true, startDate: "2020-01-02", endDate: "2020-01-23", source: RunSource.ADMIN }]);
    conflict = true;
    const busy = await post(adminToken);
    assert.equal(busy.status, 409);
    assert.deepEqual(await busy.json(), { code: "already_exists", message: "run run-x is already running on an overlapping scope" });
  } finally {
    await withRetry.close();
    await coordinator.close();
  }
});

test("an unknown run id is NOT_FOUND, a malformed one INVALID_ARGUMENT; WatchStatus on an unknown run ends with NOT_FOUND", async () => {
  const unknown = randomUUID();
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return "ok";
    } catch (e) {
      return Code[ConnectError.from(e).code];
    }
  };
  assert.equal(await code(client(adminToken).getStatus({ target: runTarget(unknown) })), "NotFound");
  assert.equal(await code(client(adminToken).getStatus({ target: runTarget("not-a-uuid") })), "InvalidArgument");
  assert.equal(await code(client(adminToken).getActivityLog({ target: runTarget(unknown) })), "NotFound");
  const watched = (async () => {
    for await (const _ of client(adminToken).watchStatus({ target: runTarget(unknown) })) assert.fail("no message for an unknown run");
  })();
  assert.equal(await code(watched), "NotFound");
  // A portfolio without runs is a view with state NOT_FOUND (the onboarding page waits for its first run).
  const { status: view } = await client(adminToken).getStatus({ target: { target: { case: "portfolioId", value: "nobody" } } });
  assert.equal(view?.state, RunState.NOT_FOUND);
});

test("WatchStatus on a run id not yet in the stream follows the run once it appears", async () => {
  const runC = randomUUID();
  const b = new RunEventBuilder(runC, [], Date.now());
  const slow = await startStatus(statusConfig(), {
    events: memoryEventFeed(bus),
    logger: createLogger("status-test", { level: "silent" }),
    unknownRunGraceMs: 60_000,
  });
  try {
    await waitUntil(() => slow.readiness.isReady);
    const c = createServiceClient(StatusService, slow.url, { token: adminToken, retries: 0 });
    const states: RunState[] = [];
    const watching = (async () => {
      for await (const u of c.watchStatus({ target: runTarget(runC) })) states.push(u.status!.state);
    })();
    await waitUntil(() => slow.hub.size === 1);
    await bus.publish(b.runStarted([Phase.MARKET_DATA], "manual", 1));
    await bus.publish(b.runFinished(RunStatus.COMPLETED_WITH_WARNINGS, "1 symbol unavailable"));
    await watching;
    assert.deepEqual(states, [RunState.RUNNING, RunState.COMPLETED_WITH_WARNINGS]);
  } finally {
    await slow.close();
  }
});

test("health is NOT_SERVING and queries UNAVAILABLE until the replay is done; then SERVING", async () => {
  const runD = randomUUID();
  await bus.publish(new RunEventBuilder(runD, [], Date.now()).runStarted([Phase.MARKET_DATA], "cron", 1));
  // The feed holds the replay back until the test lets it go (a slow stream, seen from the edge).
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inner = memoryEventFeed(bus);
  const gated: StatusEventFeed = {
    headSeq: () => inner.headSeq(),
    async *subscribe(o) {
      await gate;
      yield* inner.subscribe(o);
    },
  };
  const replaying = await startStatus(statusConfig(), { events: gated, logger: createLogger("status-test", { level: "silent" }) });
  try {
    const health = createServiceClient(Health, replaying.url, { retries: 0 });
    assert.equal((await health.check({ service: "" })).status, ServingStatus.NOT_SERVING);
    assert.equal((await health.check({ service: "sigma.status.v1.StatusService" })).status, ServingStatus.NOT_SERVING);
    assert.equal((await health.check({ service: LIVENESS_HEALTH_NAME })).status, ServingStatus.SERVING, "alive, just not ready");
    const c = createServiceClient(StatusService, replaying.url, { token: adminToken, retries: 0 });
    await assert.rejects(c.getStatus({ target: runTarget(runD) }), (e: unknown) => {
      const ce = ConnectError.from(e);
      return ce.code === Code.Unavailable && ce.rawMessage === "status projection is still replaying the event stream";
    });
    const web = await fetch(`http://127.0.0.1:${replaying.httpPort}/api/status?run=${runD}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.equal(web.status, 503);
    release();
    await waitUntil(() => replaying.readiness.isReady);
    assert.equal((await health.check({ service: "" })).status, ServingStatus.SERVING);
    assert.equal((await c.getStatus({ target: runTarget(runD) })).status?.state, RunState.RUNNING);
  } finally {
    release();
    await replaying.close();
  }
});

test("status per portfolio: the owner reads and watches it by portfolio id (RPC and web); others get PERMISSION_DENIED", async () => {
  const portfolio = `p-${randomUUID()}`;
  const missing = `p-${randomUUID()}`;
  const runP = randomUUID();
  const b = new RunEventBuilder(runP, [portfolio], Date.now());
  const { seq } = await bus.publish(b.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS, Phase.POSITION_VALUES], "onboarding", 1, "alice"));
  await bus.publish(b.phaseStarted(Phase.SNAPSHOTS, 2, "dates"));
  await waitForSeq(seq! + 1);
  const byPortfolio = (id: string) => ({ target: { target: { case: "portfolioId" as const, value: id } } });
  const denied = (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied;

  // GetStatus: the owner by portfolio and by run id; bob is refused for alice's portfolio, her run
  // and a portfolio that does not exist alike; the admin sees the NOT_FOUND view of the missing one.
  const { status: mine } = await client(userToken).getStatus(byPortfolio(portfolio));
  assert.equal(mine?.runId, runP);
  assert.equal(mine?.state, RunState.RUNNING);
  assert.equal((await client(userToken).getStatus({ target: runTarget(runP) })).status?.portfolioId, portfolio);
  await assert.rejects(client(bobToken).getStatus(byPortfolio(portfolio)), denied);
  await assert.rejects(client(bobToken).getStatus({ target: runTarget(runP) }), denied);
  await assert.rejects(client(bobToken).getStatus(byPortfolio(missing)), denied);
  await assert.rejects(client(userToken).getStatus(byPortfolio(missing)), denied);
  assert.equal((await client(adminToken).getStatus(byPortfolio(missing))).status?.state, RunState.NOT_FOUND);

  // WatchStatus by portfolio: the owner follows the run to its end; bob's watch is refused.
  const states: RunState[] = [];
  let publisher: Promise<void> | undefined;
  for await (const u of client(userToken).watchStatus(byPortfolio(portfolio))) {
    states.push(u.status!.state);
    publisher ??= (async () => {
      await bus.publish(b.phaseFinished(Phase.SNAPSHOTS, true, 0.5, "2/2 dates"));
      await bus.publish(b.runFinished(RunStatus.COMPLETED));
    })();
  }
  await publisher;
  assert.deepEqual(states, [RunState.RUNNING, RunState.RUNNING, RunState.COMPLETED]);
  await assert.rejects(
    (async () => {
      for await (const _ of client(bobToken).watchStatus(byPortfolio(portfolio))) assert.fail("no message for a non-owner");
    })(),
    denied,
  );

  // The web API answers through the same use case.
  const web = (path: string, token: string) =>
    fetch(`http://127.0.0.1:${status.httpPort}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const page = await web(`/api/status?portfolio=${portfolio}`, userToken);
  assert.equal(page.status, 200);
  const json = (await page.json()) as { runId: string; state: string; phases: { name: string }[] };
  assert.equal(json.runId, runP);
  assert.equal(json.state, "RUN_STATE_COMPLETED");
  assert.deepEqual(
    json.phases.map((p) => p.name),
    ["Market Data Collection", "Portfolio Snapshots", "Position Values"],
    "the new phases carry their user-facing names",
  );
  const events = await web(`/api/events?portfolio=${portfolio}`, userToken);
  assert.equal(events.status, 200);
  assert.match(await events.text(), /id: \d+\nevent: status\ndata: .*RUN_STATE_COMPLETED/);
  assert.equal((await web(`/api/log?portfolio=${portfolio}`, userToken)).status, 200);
  for (const path of [
    `/api/status?portfolio=${portfolio}`,
    `/api/status?portfolio=${missing}`,
    `/api/log?portfolio=${portfolio}`,
    `/api/events?portfolio=${portfolio}`,
  ]) {
    const res = await web(path, bobToken);
    assert.equal(res.status, 403, path);
    assert.equal(((await res.json()) as { code: string }).code, "permission_denied");
  }
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), "condition not reached");
}
