/**
 * The coordinator's portfolio planning and phases 2/2.5 against stand-ins of the peer services
 * (edge doubles), on a real Postgres run store: which cells reach the snapshot service, which
 * symbols phase 1 syncs, and how the portfolio phases end a run.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { createClock } from "@sigma/calendar";
import { FACTOR_ETFS, InvestmentClass, Phase, RunSource, SkipReason } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { AlreadyExistsError, createLogger } from "@sigma/runtime";
import { fakeServices, testStore } from "../testing/fakes.js";
import { Coordinator } from "./coordinator.js";

const logger = createLogger("universe-portfolios-test", { level: "silent" });
let store: Awaited<ReturnType<typeof testStore>>;
before(async () => {
  store = await testStore();
});
after(async () => {
  await store.drop();
});

const P = "11111111-1111-4111-8111-111111111111";
const Q = "22222222-2222-4222-8222-222222222222";
const positions = [
  { symbol: "zzz", investmentClass: InvestmentClass.PUBLIC },
  { symbol: "YYY200117C00100000", investmentClass: InvestmentClass.OPTIONS, underlyingSymbol: "YYY" },
  { symbol: "PRIV_FUND", investmentClass: InvestmentClass.PRIVATE },
];
const behind = { id: P, owner: "alice", active: true, firstEntryDate: "2019-01-02", watermarkDate: "2020-01-21", positions };
const current = { id: Q, owner: "bob", active: true, firstEntryDate: "2019-01-02", watermarkDate: "2020-01-23", positions: [] };

type Calls = { sync: string[][]; snapshots: unknown[]; values: unknown[]; listed: number };

function setup(opts: { snapshotOutputs?: number; problems?: boolean; gate?: Promise<void>; portfolios?: unknown[] } = {}) {
  const calls: Calls = { sync: [], snapshots: [], values: [], listed: 0 };
  const base = fakeServices({
    beforeSync: () => opts.gate ?? Promise.resolve(),
    snapshot: {
      async listPortfolios(req) {
        const all = (opts.portfolios ?? [behind, current]) as { id: string }[];
        return { portfolios: (req.portfolioIds.length ? all.filter((p) => req.portfolioIds.includes(p.id)) : all) as never };
      },
      async computeSnapshots(req) {
        calls.snapshots.push({ cells: req.cells.map((c) => ({ portfolioId: c.portfolioId, dates: c.dates })), runId: req.runId });
        const n = opts.snapshotOutputs ?? req.cells.reduce((s, c) => s + c.dates.length, 0);
        return {
          counters: { inputs: BigInt(req.cells.length), outputs: BigInt(n), skipped: [] },
          problems: opts.problems
            ? [{ symbol: "ZZZ", reason: SkipReason.NO_CLOSE, message: "unpriced: no close", date: "2020-01-22" }]
            : [],
        };
      },
      async computePositionValues(req) {
        calls.values.push({ portfolioIds: req.portfolioIds, date: req.date });
        return { counters: { inputs: 1n, outputs: 3n, skipped: [] } };
      },
      async importPortfolio() {
        return { portfolioId: P, errors: [], positions: 3, firstEntryDate: "2019-01-02" };
      },
    },
  });
  const syncPrices = base.marketData.syncPrices.bind(base.marketData);
  base.marketData.syncPrices = ((req: { symbols: string[] }, o?: unknown) => {
    calls.sync.push([...req.symbols]);
    return syncPrices(req as never, o as never);
  }) as never;
  const bus = createMemoryBus();
  const coordinator = new Coordinator({
    store: store.repo,
    services: base,
    publisher: bus,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    settings: {
      holderId: `u-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 50,
      chunkSize: 5,
      syncBatchSize: 100,
      rpcTimeoutMs: 5000,
    },
  });
  return { coordinator, calls, bus };
}

/** The RunStarted event of a run (from the memory bus the relay publishes to). */
async function runStarted(bus: ReturnType<typeof createMemoryBus>, runId: string) {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal, runId })) {
    if (event.payload.case === "runStarted") return event.payload.value;
  }
  return undefined;
}

const universe = {
  portfolioId: "",
  source: RunSource.CRON,
  forceRerun: false,
  startDate: "",
  endDate: "",
  dryRun: false,
  asOf: "",
  caller: { sub: "ops", admin: true },
};

test("a universe run computes only the dates each portfolio lacks and syncs the portfolios' priced symbols too", async () => {
  const { coordinator, calls, bus } = setup();
  const out = await coordinator.runBatch(universe);
  await coordinator.waitFor(out.runId);
  const run = (await store.repo.get(out.runId))!;
  assert.equal(run.status, "completed", run.errorSummary);
  assert.deepEqual([run.scope, run.startDate, run.endDate, run.datesTotal], ["universe", "2020-01-22", "2020-01-23", 2]);
  assert.deepEqual(calls.snapshots, [{ cells: [{ portfolioId: P, dates: ["2020-01-22", "2020-01-23"] }], runId: out.runId }]);
  assert.deepEqual(calls.values, [{ portfolioIds: [P], date: "2020-01-23" }]);
  const synced = calls.sync.flat();
  for (const s of ["AAA", "BBB", "ZZZ", "YYY", ...FACTOR_ETFS]) assert.ok(synced.includes(s), `${s} not synced: ${synced}`);
  assert.ok(!synced.includes("PRIV_FUND") && !synced.includes("YYY200117C00100000"), synced.join(","));
  const snap = run.phases.find((p) => p.phase === Phase.SNAPSHOTS)!;
  assert.deepEqual([snap.state, snap.counters.inputs, snap.counters.outputs], ["completed", 1, 2]);
  const started = await runStarted(bus, out.runId);
  assert.deepEqual([started?.scope, started?.owner], ["universe", ""], "a universe run has no owner (operators only)");
});

test("with every portfolio current a universe run covers the target date only and the portfolio phases are out of scope", async () => {
  const { coordinator, calls } = setup({ portfolios: [current] });
  const out = await coordinator.runBatch(universe);
  await coordinator.waitFor(out.runId);
  const run = (await store.repo.get(out.runId))!;
  assert.deepEqual([run.status, run.startDate, run.datesTotal], ["completed", "2020-01-23", 1]);
  assert.deepEqual([calls.snapshots, calls.values], [[], []]);
  assert.equal(run.phases.find((p) => p.phase === Phase.SNAPSHOTS)!.summary, "no portfolio in scope");
});

test("phase 2 with eligible cells and no row fails the run; unpriced symbols end it with warnings", async () => {
  const empty = setup({ snapshotOutputs: 0 });
  const failed = await empty.coordinator.runBatch({ ...universe, portfolioId: P, caller: { sub: "alice", admin: false } });
  await empty.coordinator.waitFor(failed.runId);
  const f = (await store.repo.get(failed.runId))!;
  assert.equal(f.status, "failed");
  assert.equal(f.errorSummary, "Portfolio Snapshots failed: 1 portfolio(s) in scope and no row over 2 date(s)");
  assert.deepEqual(empty.calls.values, [], "phase 2.5 does not run after a failed phase 2");

  const warn = setup({ problems: true });

  const w = await warn.coordinator.runBatch({ ...universe, portfolioId: P, caller: { sub: "alice", admin: false } });
  await warn.coordinator.waitFor(w.runId);
  const run = (await store.repo.get(w.runId))!;
  assert.equal(run.status, "completed_with_warnings", run.errorSummary);
  assert.deepEqual(
    run.problems.map((p) => [p.symbol, p.reason]),
    [["ZZZ", SkipReason.NO_CLOSE]],
  );
  assert.equal(run.scope, `portfolio:${P}`);
  const started = await runStarted(warn.bus, w.runId);
  assert.deepEqual([started?.scope, started?.owner], [`portfolio:${P}`, "alice"]);
});

test("a portfolio with only PRIVATE holdings syncs the factor ETFs, never the whole universe", async () => {
  const priv = { ...behind, positions: [positions[2]] };
  const { coordinator, calls } = setup({ portfolios: [priv] });
  const out = await coordinator.runBatch({ ...universe, portfolioId: P, caller: { sub: "alice", admin: false } });
  await coordinator.waitFor(out.runId);
  assert.deepEqual(calls.sync.flat().sort(), [...FACTOR_ETFS].sort());
});

test("an onboarding while a universe run holds the global lease stores the portfolio and answers ALREADY_EXISTS naming that run", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const { coordinator } = setup({ gate });
  const running = await coordinator.runBatch(universe);
  await assert.rejects(
    coordinator.onboardPortfolio({ csv: new Uint8Array([1]), name: "x", owner: "alice" }),
    (e) => e instanceof AlreadyExistsError && e.existingId === running.runId && e.message.includes(`portfolio ${P} imported`),
  );
  open();
  await coordinator.waitFor(running.runId);
});
