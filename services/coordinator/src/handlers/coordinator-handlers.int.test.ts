import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { createClock } from "@sigma/calendar";
import { CoordinatorService, LegacyRunStatus, Phase, PhaseState, type RunEvent, RunSource, RunStatus } from "@sigma/contracts";
import { createMemoryBus, type MemoryBus } from "@sigma/events";
import { createLogger, createRoutes, createServerInterceptors, defineService, issueToken } from "@sigma/runtime";
import { Coordinator } from "../runner/coordinator.js";
import { fakeServices, testStore } from "../testing/fakes.js";
import { coordinatorHandlers } from "./coordinator-handlers.js";

const SECRET = "a-coordinator-test-secret-of-at-least-32-bytes";
const logger = createLogger("coordinator-handlers-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;
let bus: MemoryBus;
let coordinator: Coordinator;
let client: ReturnType<typeof createClient<typeof CoordinatorService>>;
let admin: { headers: Record<string, string> };
let user: { headers: Record<string, string> };
let gate: { open: () => void; wait: Promise<void> };

const hasCode = (code: Code) => (err: unknown) => err instanceof ConnectError && err.code === code;

before(async () => {
  store = await testStore();
  bus = createMemoryBus();
  let open!: () => void;
  gate = { open: () => open(), wait: Promise.resolve() };
  coordinator = new Coordinator({
    store: store.repo,
    services: fakeServices({ beforeSync: () => gate.wait }),
    publisher: bus,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    settings: {
      holderId: `h-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 50,
      chunkSize: 5,
      syncBatchSize: 10,
      rpcTimeoutMs: 5000,
    },
  });
  void open;
  const transport = createRouterTransport(
    createRoutes({ services: [defineService(CoordinatorService, coordinatorHandlers(coordinator))] }),
    {
      router: { interceptors: createServerInterceptors(logger, { mode: "jwt", secret: SECRET }) },
    },
  );
  client = createClient(CoordinatorService, transport);
  admin = { headers: { authorization: `Bearer ${await issueToken(SECRET, "op", ["user", "admin"], "5m")}` } };
  user = { headers: { authorization: `Bearer ${await issueToken(SECRET, "reader", ["user"], "5m")}` } };
});

after(async () => {
  await coordinator.shutdown(1000);
  await store.drop();
});

const runRequest = { source: RunSource.ADMIN, forceRerun: true, startDate: "2020-01-02", endDate: "2020-01-23" };

async function eventsOf(runId: string): Promise<RunEvent[]> {
  const ac = new AbortController();
  const out: RunEvent[] = [];
  setTimeout(() => ac.abort(), 300);
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal, runId })) out.push(event);
  return out;
}

test("GetRun and the run events carry the shared RunStatus/PhaseState enums and still fill the deprecated fields", async () => {
  const { runId } = await client.runBatch(runRequest, admin);
  await coordinator.waitFor(runId);
  const { run } = await client.getRun({ runId }, admin);
  assert.equal(run?.runStatus, RunStatus.COMPLETED);
  assert.equal(run?.status, LegacyRunStatus.COMPLETED);
  assert.deepEqual(
    run?.phases.map((p) => [p.phase, p.phaseState, p.state]),
    [
      [Phase.MARKET_DATA, PhaseState.COMPLETED, "completed"],
      [Phase.SYMBOL_FACTORS, PhaseState.COMPLETED, "completed"],
      [Phase.SYMBOL_METRICS, PhaseState.COMPLETED, "completed"],
      // No portfolio in scope: recorded as completed, not run.
      [Phase.SNAPSHOTS, PhaseState.COMPLETED, "completed"],
      [Phase.POSITION_BETAS, PhaseState.COMPLETED, "completed"],
      [Phase.FACTOR_EXPOSURES, PhaseState.COMPLETED, "completed"],
      [Phase.VOLATILITY, PhaseState.COMPLETED, "completed"],
      [Phase.CORRELATIONS, PhaseState.COMPLETED, "completed"],
      [Phase.POSITION_VALUES, PhaseState.COMPLETED, "completed"],
      [Phase.STRESS_TESTS, PhaseState.COMPLETED, "completed"],
    ],
  );
  const events = await eventsOf(runId);
  const finished = events.find((e) => e.payload.case === "runFinished");
  assert.equal(finished?.payload.case === "runFinished" && finished.payload.value.runStatus, RunStatus.COMPLETED);
  assert.equal(finished?.payload.case === "runFinished" && finished.payload.value.status, "completed");
  const phaseStates = events.flatMap((e) => (e.payload.case === "phaseFinished" ? [[e.payload.value.state, e.payload.value.success]] : []));
  // Ten phases end; the seven portfolio phases with "no portfolio in scope".
  assert.deepEqual(phaseStates, Array(10).fill([PhaseState.COMPLETED, true]));
});

test("a cancelled run's events say CANCELLED (not a bare success=false) for the run and its phase", async () => {
  let open!: () => void;
  gate.wait = new Promise<void>((r) => (open = r));
  const { runId } = await client.runBatch(runRequest, admin);
  const cancelled = await client.cancelRun({ runId }, admin);
  open();
  gate.wait = Promise.resolve();
  assert.equal(cancelled.run?.runStatus, RunStatus.CANCELLED);
  assert.equal(cancelled.run?.status, LegacyRunStatus.CANCELLED);
  assert.equal(cancelled.run?.phases[0]?.phaseState, PhaseState.CANCELLED);
  const events = await eventsOf(runId);
  const md = events.find((e) => e.payload.case === "phaseFinished");
  assert.ok(md?.payload.case === "phaseFinished");
  assert.equal(md.payload.value.state, PhaseState.CANCELLED);
  assert.equal(md.payload.value.success, false);
  const fin = events.find((e) => e.payload.case === "runFinished");
  assert.ok(fin?.payload.case === "runFinished");
  assert.equal(fin.payload.value.runStatus, RunStatus.CANCELLED);
});

test("ListRuns honours the run_status filter and the deprecated status filter; a negative limit is INVALID_ARGUMENT", async () => {
  for (const status of ["failed", "failed", "completed_with_warnings"]) {
    await store.db.query(
      `INSERT INTO "${store.schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at, finished_at) VALUES ($1,'cron','universe',$2,'h',now(),now(),now())`,
      [crypto.randomUUID(), status],
    );
  }
  const failed = await client.listRuns({ runStatus: RunStatus.FAILED, limit: 100 }, admin);
  assert.equal(failed.runs.length, 2);
  assert.ok(failed.runs.every((r) => r.runStatus === RunStatus.FAILED && r.status === LegacyRunStatus.FAILED));
  const legacy = await client.listRuns({ status: LegacyRunStatus.COMPLETED_WITH_WARNINGS }, admin);
  assert.deepEqual(
    legacy.runs.map((r) => r.runStatus),
    [RunStatus.COMPLETED_WITH_WARNINGS],
  );
  const cancelled = await client.listRuns({ runStatus: RunStatus.CANCELLED }, admin);
  assert.equal(cancelled.runs.length, 1);
  const all = await client.listRuns({}, admin);
  assert.equal(all.runs.length, 5);
  await assert.rejects(client.listRuns({ limit: -1 }, admin), hasCode(Code.InvalidArgument));
  await assert.rejects(
    client.listRuns({ runStatus: RunStatus.FAILED, status: LegacyRunStatus.COMPLETED }, admin),
    hasCode(Code.InvalidArgument),
  );
  await assert.rejects(client.listRuns({ runStatus: 42 as RunStatus }, admin), hasCode(Code.InvalidArgument));
});

test("a run id that is not a UUID is INVALID_ARGUMENT for GetRun and CancelRun", async () => {
  for (const runId of ["not-a-uuid", "12345678-1234-1234-1234-12345678901g", "' OR 1=1 --"]) {
    await assert.rejects(client.getRun({ runId }, admin), hasCode(Code.InvalidArgument), runId);
    await assert.rejects(client.cancelRun({ runId }, admin), hasCode(Code.InvalidArgument), runId);
  }
  await assert.rejects(client.getRun({ runId: "" }, admin), hasCode(Code.InvalidArgument));
});

test("a non-admin gets PERMISSION_DENIED for a universe run whether or not it exists; an admin gets NOT_FOUND for a missing one", async () => {
  const [existing] = (await client.listRuns({ limit: 1 }, admin)).runs;
  assert.ok(existing);
  const missing = "00000000-0000-4000-8000-00000000abcd";
  await assert.rejects(client.getRun({ runId: existing.id }, user), hasCode(Code.PermissionDenied));
  await assert.rejects(client.getRun({ runId: missing }, user), hasCode(Code.PermissionDenied));
  await assert.rejects(client.cancelRun({ runId: existing.id }, user), hasCode(Code.PermissionDenied));
  await assert.rejects(client.cancelRun({ runId: missing }, user), hasCode(Code.PermissionDenied));
  await assert.rejects(client.getRun({ runId: missing }, admin), hasCode(Code.NotFound));
  await assert.rejects(client.getRun({ runId: existing.id }), hasCode(Code.Unauthenticated));
});
