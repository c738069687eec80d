import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createClock, tradingDays } from "@sigma/calendar";
import { RunSource } from "@sigma/contracts";
import { createMemoryBus, type MemoryBus } from "@sigma/events";
import { createLogger } from "@sigma/runtime";
import type { OutboxStore, RunStore } from "../domain/ports.js";
import type { RunRecord } from "../domain/run-record.js";
import { type FakeServiceOptions, fakeServices, testStore } from "../testing/fakes.js";
import { Coordinator, type CoordinatorSettings } from "./coordinator.js";

// Issue #7.2 (coordinator part): a Postgres blip must not make the coordinator claim a run was lost.
// The database is made unreachable at the RunStore port (every call throws a connection error).

const logger = createLogger("db-blip-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;

before(async () => {
  store = await testStore();
});
after(async () => {
  await store.drop();
});

/** The real store behind a switch: while `down`, every call fails like a refused connection. */
function flakyStore(real: RunStore & OutboxStore) {
  const state = {
    down: false,
    failures: new Map<string, number>(),
    /** Called before each call; may flip `down` (e.g. when the final save starts). */
    onCall: (_method: string, _args: unknown[]) => {},
  };
  const proxy = new Proxy(real, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        state.onCall(String(prop), args);
        if (state.down) {
          state.failures.set(String(prop), (state.failures.get(String(prop)) ?? 0) + 1);
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        }
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, state };
}

function coordinator(
  s: RunStore & OutboxStore,
  bus: MemoryBus,
  settings: Partial<CoordinatorSettings>,
  services: FakeServiceOptions = {},
): Coordinator {
  return new Coordinator({
    store: s,
    services: fakeServices(services),
    publisher: bus,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    settings: {
      holderId: `blip-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 3000,
      heartbeatMs: 200,
      chunkSize: 5,
      syncBatchSize: 10,
      rpcTimeoutMs: 5000,
      ...settings,
    },
  });
}

const runInput = {
  portfolioId: "",
  source: RunSource.ADMIN,
  forceRerun: true,
  startDate: "2020-01-02",
  endDate: "2020-01-23",
  dryRun: false,
  asOf: "",
  caller: { sub: "ops", admin: true },
};
const rowsFor = (req: { symbols: string[]; startDate: string; endDate: string }) => {
  const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
  return { counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] }, problems: [] };
};

async function runSeqs(bus: MemoryBus, runId: string): Promise<number[]> {
  const ac = new AbortController();
  const seqs: number[] = [];
  setTimeout(() => ac.abort(), 300);
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal, runId })) seqs.push(Number(event.runSeq));
  return seqs;
}

test("an outage shorter than the lease TTL mid-run delays the run, does not fail it, and no sweep takes it", async () => {
  const flaky = flakyStore(store.repo);
  const bus = createMemoryBus();
  let sweptDuringOutage: string[] | undefined;
  const other = coordinator(store.repo, createMemoryBus(), {});
  let outage: Promise<void> | undefined;
  const c = coordinator(
    flaky.store,
    bus,
    {},
    {
      async analytics(phase, req) {
        // The database goes away while the second chunk computes, for about a third of the TTL.
        if (phase === "factors" && req.startDate === "2020-01-09") {
          flaky.state.down = true;
          outage = (async () => {
            await new Promise((r) => setTimeout(r, 500));
            sweptDuringOutage = await other.sweep(); // another coordinator's sweep, on the working database
            await new Promise((r) => setTimeout(r, 500));
            flaky.state.down = false;
          })();
        }
        return rowsFor(req);
      },
    },
  );
  const { runId } = await c.runBatch(runInput);
  await c.waitFor(runId);
  await outage;
  const run = (await store.repo.get(runId))!;
  assert.equal(run.status, "completed", run.errorSummary);
  assert.equal(run.datesCompleted, 15);
  assert.ok((flaky.state.failures.get("save") ?? 0) >= 1, "a chunk commit met the outage and was retried");
  assert.ok((flaky.state.failures.get("heartbeat") ?? 0) >= 1, "heartbeats failed during the outage");
  assert.deepEqual(sweptDuringOutage, [], "the live run was not swept");
  // Events built during the outage were kept and written afterwards, in order, none lost.
  const seqs = await runSeqs(bus, runId);
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
  );
});

test("the final record is written when the database returns, after an outage longer than 4 retries (~7 s)", async () => {
  const flaky = flakyStore(store.repo);
  let outage: Promise<void> | undefined;
  flaky.state.onCall = (method, args) => {
    const run = args[0] as RunRecord | undefined;
    if (method === "save" && run?.status && run.status !== "running" && !outage) {
      flaky.state.down = true;
      outage = new Promise<void>((r) => setTimeout(r, 8000)).then(() => {
        flaky.state.down = false;
      });
    }
  };
  const c = coordinator(flaky.store, createMemoryBus(), { leaseTtlMs: 30_000, heartbeatMs: 1000 });
  const { runId } = await c.runBatch(runInput);
  await c.waitFor(runId);
  const run = (await store.repo.get(runId))!;
  assert.equal(run.status, "completed", run.errorSummary);
  assert.ok(run.finishedAt, "finished_at written");
  assert.ok((flaky.state.failures.get("save") ?? 0) > 4, `final save attempts failed: ${flaky.state.failures.get("save")}`);
});

test("the periodic sweep waits a whole TTL after the database was unreachable before judging heartbeats", async () => {
  const flaky = flakyStore(store.repo);
  const stale = "00000000-0000-4000-8000-0000000b1100";
  await store.db.query(
    `INSERT INTO "${store.schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at) VALUES ($1,'cron','universe','running','h',now() - interval '5 minutes',now() - interval '5 minutes')`,
    [stale],
  );
  const c = coordinator(flaky.store, createMemoryBus(), { leaseTtlMs: 1500, heartbeatMs: 100 });
  flaky.state.down = true;
  assert.equal(await c.periodicSweep(), null, "the sweep failed: database down");
  flaky.state.down = false;
  assert.equal(await c.periodicSweep(), null, "skipped: every heartbeat is stale because of the outage");
  assert.equal((await store.repo.get(stale))!.status, "running");
  await new Promise((r) => setTimeout(r, 1600));
  assert.deepEqual(await c.periodicSweep(), [stale], "after a TTL of database access, a stale run is a lost coordinator");
  assert.equal((await store.repo.get(stale))!.status, "failed");
});
