import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { Phase, RunState, StatusService } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { createLogger, createServiceClient, issueToken } from "@sigma/runtime";
import { startStatus, type StartedStatus } from "./app.js";
import { RunEventBuilder } from "./domain/event-builder.js";

// The status service over real sockets with JWT auth, fed by the in-process bus (the same
// EventSource contract as JetStream): access rules, GetStatus, WatchStatus resume, the web API.
const secret = "status-test-secret-0123456789abcdef";
const bus = createMemoryBus();
let status: StartedStatus;
let adminToken: string;
let userToken: string;

before(async () => {
  adminToken = await issueToken(secret, "ops", ["user", "admin"]);
  userToken = await issueToken(secret, "alice", ["user"]);
  status = await startStatus({ port: 0, httpPort: 0, events: bus, logger: createLogger("status-test", { level: "silent" }), auth: { mode: "jwt", secret } });
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
    await assert.rejects(client(userToken).getStatus({ target: runTarget(runId) }), (e: unknown) => ConnectError.from(e).code === Code.PermissionDenied);
  }
  await assert.rejects(client().getStatus({ target: runTarget("run-a") }), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  const res = await fetch(`http://127.0.0.1:${status.httpPort}/api/status?run=run-a`, { headers: { authorization: `Bearer ${userToken}` } });
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
  const publisher = (async () => {
    await new Promise((r) => setTimeout(r, 100));
    await bus.publish(b.phaseProgress(Phase.MARKET_DATA, 3, 3, "symbols"));
    await bus.publish(b.phaseFinished(Phase.MARKET_DATA, true, 1.5, "3/3 symbols (100% coverage)"));
    await bus.publish(b.runFinished("completed"));
  })();
  let last;
  for await (const u of stream) {
    seen.push(Number(u.seq));
    last = u.status!;
    if (last.state === RunState.COMPLETED) break;
  }
  ac.abort();
  await publisher;
  assert.deepEqual(seen, [first.seq! + 1, first.seq! + 2, first.seq! + 3, first.seq! + 4], "initial state at the last applied seq, then one update per event");
  assert.equal(last!.phases[0]!.summary, "3/3 symbols (100% coverage)");

  // Resume after the first update: the current state, then nothing older is replayed.
  const resumed: number[] = [];
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 300);
  try {
    for await (const u of client(adminToken).watchStatus({ target: runTarget("run-b"), resumeAfter: BigInt(first.seq! + 1) }, { signal: ac2.signal })) {
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
