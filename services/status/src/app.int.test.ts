import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { CoordinatorService, Phase, RunSource, RunState, StatusService } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { AlreadyExistsError, createLogger, createServiceClient, defineService, issueToken, serve } from "@sigma/runtime";
import { loadStatusConfig, startStatus, type StartedStatus } from "./app.js";
import { RunEventBuilder } from "./domain/event-builder.js";

// The status service over real sockets with JWT auth, fed by the in-process bus (the same
// EventSource contract as JetStream): access rules, GetStatus, WatchStatus resume, the web API.
const secret = "status-test-secret-0123456789abcdef";
const bus = createMemoryBus();
let status: StartedStatus;
let adminToken: string;
let userToken: string;
/** The configuration main.ts would load, on any free ports, fed by the bus instead of NATS. */
const statusConfig = (env: Record<string, string> = {}) =>
  loadStatusConfig(
    { PORT: "0", HOST: "127.0.0.1", STATUS_HTTP_PORT: "0", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, ...env },
    { requireNats: false },
  );

before(async () => {
  adminToken = await issueToken(secret, "ops", ["user", "admin"]);
  userToken = await issueToken(secret, "alice", ["user"]);
  status = await startStatus(statusConfig(), { events: bus, logger: createLogger("status-test", { level: "silent" }) });
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
  const b = new RunEventBuilder("run-a", [], Date.now());
  await bus.publish(b.runStarted([Phase.MARKET_DATA], "cron", 1));
  for (const runId of ["run-a", "no-such-run"]) {
    await assert.rejects(
      client(userToken).getStatus({ target: runTarget(runId) }),
      (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied,
    );
  }
  await assert.rejects(
    client().getStatus({ target: runTarget("run-a") }),
    (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated,
  );
  const res = await fetch(`http://127.0.0.1:${status.httpPort}/api/status?run=run-a`, {
    headers: { authorization: `Bearer ${userToken}` },
  });
  assert.equal(res.status, 403);
});

test("WatchStatus sends the current state, then every change; resuming after a seq loses and repeats nothing", async () => {
  const b = new RunEventBuilder("run-b", [], Date.now());
  const first = await bus.publish(b.runStarted([Phase.MARKET_DATA], "manual", 1));
  await bus.publish(b.phaseStarted(Phase.MARKET_DATA, 3, "symbols"));
  await waitForSeq(first.seq! + 1);

  const ac = new AbortController();
  const seen: number[] = [];
  const stream = client(adminToken).watchStatus({ target: runTarget("run-b") }, { signal: ac.signal });
  // Publish only once the initial state has arrived, so the test does not depend on timing.
  const publish = async () => {
    await bus.publish(b.phaseProgress(Phase.MARKET_DATA, 3, 3, "symbols"));
    await bus.publish(b.phaseFinished(Phase.MARKET_DATA, true, 1.5, "3/3 symbols (100% coverage)"));
    await bus.publish(b.runFinished("completed"));
  };
  let publisher: Promise<void> | undefined;
  let last;
  for await (const u of stream) {
    seen.push(Number(u.seq));
    last = u.status!;
    publisher ??= publish();
    if (last.state === RunState.COMPLETED) break;
  }
  ac.abort();
  await publisher;
  assert.deepEqual(
    seen,
    [first.seq! + 1, first.seq! + 2, first.seq! + 3, first.seq! + 4],
    "initial state at the last applied seq, then one update per event",
  );
  assert.equal(last!.phases[0]!.summary, "3/3 symbols (100% coverage)");

  // Resume after the first update: the current state, then nothing older is replayed.
  const resumed: number[] = [];
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 300);
  try {
    for await (const u of client(adminToken).watchStatus(
      { target: runTarget("run-b"), resumeAfter: BigInt(first.seq! + 1) },
      { signal: ac2.signal },
    )) {
      resumed.push(Number(u.seq));
    }
  } catch (e) {
    if (ConnectError.from(e).code !== Code.Canceled) throw e;
  }
  assert.deepEqual(resumed, [first.seq! + 4], "one catch-up message carrying the state after the last event");

  const log = await fetch(`http://127.0.0.1:${status.httpPort}/api/log?run=run-b`, { headers: { authorization: `Bearer ${adminToken}` } });
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
    events: bus,
    logger: createLogger("status-test", { level: "silent" }),
  });
  try {
    const b = new RunEventBuilder("run-failed", [], Date.now());
    const { seq } = await bus.publish(b.runStarted([Phase.MARKET_DATA], "cron", 1));
    await bus.publish(b.runFinished("failed", "Market Data Collection failed"));
    for (let i = 0; i < 100 && withRetry.hub.projection.lastSeq < seq! + 1; i++) await new Promise((r) => setTimeout(r, 20));
    const post = (token: string) =>
      fetch(`http://127.0.0.1:${withRetry.httpPort}/api/retry?run=run-failed`, {
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
    assert.match(await busy.text(), /already running/);
  } finally {
    await withRetry.close();
    await coordinator.close();
  }
});
