import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { createClock } from "@sigma/calendar";
import {
  FACTOR_ETFS,
  FactorService,
  MarketDataService,
  Phase,
  RunSource,
  SkipReason,
  SymbolStatus,
  SymbolSyncResultSchema,
} from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import { createMemoryBus, createNatsPublisher, type EventPublisher } from "@sigma/events";
import { AlreadyExistsError, createLogger, FailedPreconditionError, InvalidArgumentError, toConnectError } from "@sigma/runtime";
import { TERMINAL_RUN_SEQ, terminalEventEncoder } from "./reporter.js";
import { tradingDays } from "@sigma/calendar";
import type { DataSource } from "typeorm";
import { COORDINATOR_MIGRATIONS } from "../store/migrations.js";
import { RunRepository } from "../store/run-repository.js";
import { fakeRisk, noPortfolios } from "../testing/fakes.js";
import { Coordinator, type CoordinatorSettings } from "./coordinator.js";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const schema = `coord_test_${randomBytes(4).toString("hex")}`;
const logger = createLogger("coordinator-test", { level: "silent" });
let db: DataSource;
let repo: RunRepository;

before(async () => {
  db = await createDataSource({ url: DATABASE_URL, schema, entities: [], migrations: COORDINATOR_MIGRATIONS });
  repo = new RunRepository(
    db,
    schema,
    terminalEventEncoder(() => new Date()),
  );
});

after(async () => {
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await closeDataSource(db);
});

/** A market-data stand-in: every symbol fetched unless listed as unavailable; optional gate to block syncs. */
function fakeMarketData(
  opts: {
    unavailable?: string[];
    fail?: boolean;
    gate?: Promise<void>;
    universe?: string[];
    factorFailsOn?: string;
    onMetrics?: () => Promise<void>;
  } = {},
) {
  const calls: string[][] = [];
  const factorCalls: { phase: string; symbols: string[]; start: string; end: string }[] = [];
  const analytics = (phase: string) => async (req: { symbols: string[]; startDate: string; endDate: string }) => {
    factorCalls.push({ phase, symbols: req.symbols, start: req.startDate, end: req.endDate });
    if (phase === "metrics") await opts.onMetrics?.();
    if (opts.factorFailsOn && req.startDate <= opts.factorFailsOn && opts.factorFailsOn <= req.endDate) {
      throw toConnectError(new FailedPreconditionError(`${req.symbols.length} symbols with prices and no ${phase} row`));
    }
    const rows = req.symbols.length * tradingDays(req.startDate, req.endDate).length;
    return { counters: { inputs: BigInt(req.symbols.length), outputs: BigInt(rows), skipped: [] }, problems: [] };
  };
  const factorImpl: Partial<ServiceImpl<typeof FactorService>> = {
    computeSymbolFactors: analytics("factors"),
    computeSymbolMetrics: analytics("metrics"),
  };
  const impl: Partial<ServiceImpl<typeof MarketDataService>> = {
    async listSymbols() {
      return { symbols: (opts.universe ?? ["AAA", "BBB", "GGIPX"]).map((symbol) => ({ symbol })) };
    },
    async syncPrices(req, ctx) {
      calls.push(req.symbols);
      if (opts.gate) {
        await Promise.race([opts.gate, new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)))]);
      }
      return {
        results: req.symbols.map((symbol) =>
          create(
            SymbolSyncResultSchema,
            opts.fail || opts.unavailable?.includes(symbol)
              ? { symbol, status: SymbolStatus.UNAVAILABLE, reason: SkipReason.SYMBOL_UNAVAILABLE, message: "not in price file" }
              : { symbol, status: SymbolStatus.FETCHED, rowsFetched: 10n, firstDate: "2019-01-02", lastDate: "2020-01-23" },
          ),
        ),
      };
    },
  };
  const transport = createRouterTransport(({ service }) => {
    service(MarketDataService, impl);
    service(FactorService, factorImpl);
  });
  return { client: createClient(MarketDataService, transport), factor: createClient(FactorService, transport), calls, factorCalls };
}

function coordinator(
  md: ReturnType<typeof fakeMarketData>,
  publisher: EventPublisher = createMemoryBus(),
  settings: Partial<CoordinatorSettings> = {},
) {
  return new Coordinator({
    store: repo,
    services: { marketData: md.client, factor: md.factor, snapshot: noPortfolios(), risk: fakeRisk() },
    publisher,
    clock: createClock({ asOf: "2020-01-23" }),
    now: () => new Date(),
    logger,
    settings: {
      holderId: `test-${randomBytes(3).toString("hex")}`,
      leaseTtlMs: 60_000,
      heartbeatMs: 50,
      chunkSize: 21,
      syncBatchSize: 2,
      rpcTimeoutMs: 5_000,
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

test("a run syncs every symbol plus the factor ETFs, records counters and problems, and publishes ordered events", async () => {
  const bus = createMemoryBus();
  const md = fakeMarketData({ unavailable: ["GGIPX"] });
  const c = coordinator(md, bus);
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "completed_with_warnings");
  assert.equal(run.datesTotal, 15);
  assert.equal(run.datesCompleted, 15);
  const p1 = run.phases.find((p) => p.phase === Phase.MARKET_DATA)!;
  assert.equal(p1.state, "completed");
  assert.equal(p1.counters.inputs, FACTOR_ETFS.length + 3);
  assert.equal(p1.counters.outputs, FACTOR_ETFS.length + 2);
  assert.equal(p1.counters.skipped[SkipReason.SYMBOL_UNAVAILABLE], 1);
  assert.equal(p1.summary, "10/11 symbols (91% coverage)");
  assert.deepEqual(
    run.problems.map((p) => p.symbol),
    ["GGIPX"],
  );
  assert.equal(md.calls.flat().length, 11, "each symbol synced once, in batches of 2");
  assert.ok(md.calls.every((b) => b.length <= 2));
  // Events: ordered run_seq, first run_started, last run_finished, a warning line for GGIPX.
  const events: string[] = [];
  const ac = new AbortController();
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal })) {
    if (event.runId !== out.runId) continue;
    events.push(event.payload.case ?? "");
    assert.equal(Number(event.runSeq), events.length);
    if (event.payload.case === "runFinished") break;
  }
  ac.abort();
  assert.equal(events[0], "runStarted");
  assert.equal(events.at(-1), "runFinished");
  assert.ok(events.includes("phaseStarted") && events.includes("phaseFinished") && events.includes("activity"));
  assert.equal(run.eventsUndelivered, 0);
  // Phases 1.5 and 1.75 ran on the available symbols for every date, chunk by chunk, in order.
  for (const phase of [Phase.SYMBOL_FACTORS, Phase.SYMBOL_METRICS]) {
    const rec = run.phases.find((p) => p.phase === phase)!;
    assert.equal(rec.state, "completed");
    assert.equal(rec.counters.inputs, FACTOR_ETFS.length + 2);
    assert.equal(rec.counters.outputs, (FACTOR_ETFS.length + 2) * 15);
  }
  assert.deepEqual(
    md.factorCalls.map((c) => c.phase),
    ["factors", "metrics"],
    "15 dates fit one 21-day chunk",
  );
  assert.ok(!md.factorCalls[0]!.symbols.includes("GGIPX"), "unavailable symbols are not analysed");
  assert.equal((await db.query(`SELECT count(*)::int AS n FROM "${schema}".leases`))[0].n, 0, "lease released");
});

test("an overlapping run answers ALREADY_EXISTS with the running run's id; cancel stops it and frees the lease", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const md = fakeMarketData({ gate });
  const c = coordinator(md);
  const first = await c.runBatch(runInput);
  await assert.rejects(c.runBatch(runInput), (err: unknown) => err instanceof AlreadyExistsError && err.message.includes(first.runId));
  const cancelled = await c.cancelRun(first.runId);
  open();
  assert.equal(cancelled.status, "cancelled");
  assert.ok(cancelled.finishedAt);
  const second = await c.runBatch(runInput);
  await c.waitFor(second.runId);
  assert.equal((await repo.get(second.runId))!.status, "completed");
});

test("a phase with eligible symbols and no output fails the run loudly", async () => {
  const c = coordinator(fakeMarketData({ fail: true }));
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "failed");
  assert.match(run.errorSummary, /none has prices/);
  assert.equal(run.phases[0]!.state, "failed");
});

test("a date-level phase failing mid-run fails the run and leaves a committed prefix", async () => {
  const md = fakeMarketData({ factorFailsOn: "2020-01-10" });
  const c = coordinator(md, createMemoryBus(), { chunkSize: 5 });
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "failed");
  assert.equal(run.errorSummary, "Factor Analysis failed: FAILED_PRECONDITION: 11 symbols with prices and no factors row");
  assert.equal(run.datesCompleted, 5, "the first chunk (2020-01-02..08) was committed");
  assert.equal(run.datesFailed, 10);
  assert.equal(run.phases.find((p) => p.phase === Phase.SYMBOL_FACTORS)!.state, "failed");
  // 1.75 runs the chunk alongside 1.5 and fails on it too (the fake refuses both); the summary names the first in pipeline order.
  assert.equal(run.phases.find((p) => p.phase === Phase.SYMBOL_METRICS)!.state, "failed");
});

test("a stale lease is taken over and recorded; a stale running run is marked failed at start-up", async () => {
  const oldRun = "00000000-0000-4000-8000-000000000001";
  const stale = new Date(Date.now() - 5 * 60_000);
  await db.query(
    `INSERT INTO "${schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at) VALUES ($1,'cron','universe','running','lost-host',$2,$2)`,
    [oldRun, stale],
  );
  await db.query(
    `INSERT INTO "${schema}".leases (scope_key, run_id, holder, acquired_at, heartbeat_at) VALUES ('global',$1,'lost-host',$2,$2)`,
    [oldRun, stale],
  );
  const c = coordinator(fakeMarketData());
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "completed_with_warnings", "a takeover is a warning");
  assert.match(run.warnings.join(";"), /taken over from run 00000000-0000-4000-8000-000000000001/);
  assert.deepEqual(await repo.takeoversBy(out.runId), [{ scopeKey: "global", previousRunId: oldRun }]);
  const old = (await repo.get(oldRun))!;
  assert.equal(old.status, "failed");
  assert.match(old.errorSummary, /taken over/);

  const lostRun = "00000000-0000-4000-8000-000000000002";
  await db.query(
    `INSERT INTO "${schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at) VALUES ($1,'cron','universe','running','lost-host',$2,$2)`,
    [lostRun, stale],
  );
  const recovered = await coordinator(fakeMarketData()).sweep();
  assert.deepEqual(recovered, [lostRun]);
  assert.match((await repo.get(lostRun))!.errorSummary, /coordinator lost/);
});

test("with NATS unreachable the run still completes and records the undelivered events", async () => {
  const publisher = createNatsPublisher({ url: "nats://127.0.0.1:1", timeoutMs: 200, name: "unreachable" });
  try {
    const c = coordinator(fakeMarketData(), publisher);
    const out = await c.runBatch(runInput);
    await c.waitFor(out.runId);
    const run = (await repo.get(out.runId))!;
    assert.equal(run.status, "completed");
    assert.ok(run.eventsUndelivered > 0, `undelivered=${run.eventsUndelivered}`);
    assert.match(run.warnings.join(";"), /could not be published/);
  } finally {
    await publisher.close();
  }
});

test("dry run plans without recording a run", async () => {
  const before = (await repo.list(500)).length;
  const out = await coordinator(fakeMarketData()).runBatch({ ...runInput, dryRun: true });
  assert.equal(out.dryRun, true);
  assert.equal(out.plan.dates.length, 15);
  assert.equal((await repo.list(500)).length, before);
});

test("a run whose lease is taken over stops and never overwrites the takeover's verdict", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const c = coordinator(fakeMarketData({ gate }));
  const out = await c.runBatch(runInput);
  // What another coordinator's takeover does (see acquireLease): drop the lease, fail the run.
  await db.query(`DELETE FROM "${schema}".leases WHERE run_id = $1`, [out.runId]);
  await db.query(`UPDATE "${schema}".runs SET status='failed', error_summary='lease taken over by run X (heartbeat stale)' WHERE id=$1`, [
    out.runId,
  ]);
  await c.waitFor(out.runId); // the heartbeat (50 ms) notices and aborts the blocked phase
  open();
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "failed");
  assert.equal(run.errorSummary, "lease taken over by run X (heartbeat stale)");
});

test("CancelRun on another coordinator's live run is a request its holder honours", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const holder = coordinator(fakeMarketData({ gate }));
  const other = coordinator(fakeMarketData());
  const out = await holder.runBatch(runInput);
  const seen = await other.cancelRun(out.runId);
  await holder.waitFor(out.runId);
  open();
  assert.ok(["cancelled", "running"].includes(seen.status), "answers at once or after the holder stopped");
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "cancelled");
  assert.equal(run.errorSummary, "cancelled by request");
  assert.equal(run.phases[0]!.state, "cancelled", "a cancelled phase is not reported as failed");
});

test("the sweep publishes a final event for each recovered run, so status never shows it running forever", async () => {
  const bus = createMemoryBus();
  const lost = "00000000-0000-4000-8000-000000000003";
  const stale = new Date(Date.now() - 5 * 60_000);
  await db.query(
    `INSERT INTO "${schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at) VALUES ($1,'cron','universe','running','lost-host',$2,$2)`,
    [lost, stale],
  );
  assert.deepEqual(await coordinator(fakeMarketData(), bus).sweep(), [lost]);
  const ac = new AbortController();
  let final;
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal })) {
    final = event;
    break;
  }
  ac.abort();
  assert.equal(final?.runId, lost);
  assert.equal(final?.runSeq, TERMINAL_RUN_SEQ);
  assert.equal(final?.payload.case, "runFinished");
});

test("RunBatch rejects a bad source, a malformed or future as_of and bad dates, naming every field", async () => {
  const c = coordinator(fakeMarketData());
  await assert.rejects(
    c.runBatch({ ...runInput, source: 42 as RunSource, asOf: "2999-01-01" }),
    (e: unknown) => e instanceof InvalidArgumentError && e.violations.map((v) => v.field).join() === "source,as_of",
  );
  await assert.rejects(
    c.runBatch({ ...runInput, asOf: "2020-02-30" }),
    (e: unknown) => e instanceof InvalidArgumentError && e.violations[0]!.field === "as_of",
  );
  await assert.rejects(
    c.runBatch({ ...runInput, forceRerun: false, startDate: "bad", endDate: "2020-01-02" }),
    (e: unknown) => e instanceof InvalidArgumentError && e.violations.map((v) => v.field).join() === "start_date,end_date,start_date",
  );
});

test("a run that loses its lease during its last chunk neither completes nor publishes a contradicting final event", async () => {
  const bus = createMemoryBus();
  let runId = "";
  const md = fakeMarketData({
    // While the last (only) chunk computes, another coordinator takes the run over.
    onMetrics: async () => {
      await db.query(`DELETE FROM "${schema}".leases WHERE run_id = $1`, [runId]);
      await db.query(
        `UPDATE "${schema}".runs SET status='failed', error_summary='lease taken over by run Y (heartbeat stale)' WHERE id=$1`,
        [runId],
      );
    },
  });
  const c = coordinator(md, bus);
  const out = await c.runBatch(runInput);
  runId = out.runId;
  await c.waitFor(out.runId);
  const run = (await repo.get(out.runId))!;
  assert.equal(run.status, "failed");
  assert.equal(run.errorSummary, "lease taken over by run Y (heartbeat stale)");
  const ac = new AbortController();
  const finals: string[] = [];
  setTimeout(() => ac.abort(), 200);
  for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal })) {
    if (event.runId === out.runId && event.payload.case === "runFinished") finals.push(event.payload.value.status);
  }
  assert.deepEqual(finals, [], "the holder published no RunFinished (the taker publishes the final event)");
});

test("a leftover lease of a finished run is removed silently, not reported as a takeover", async () => {
  const done = "00000000-0000-4000-8000-000000000004";
  const stale = new Date(Date.now() - 5 * 60_000);
  await db.query(
    `INSERT INTO "${schema}".runs (id, source, scope, status, holder, started_at, heartbeat_at, finished_at) VALUES ($1,'cron','universe','completed','h',$2,$2,$2)`,
    [done, stale],
  );
  await db.query(`INSERT INTO "${schema}".leases (scope_key, run_id, holder, acquired_at, heartbeat_at) VALUES ('global',$1,'h',$2,$2)`, [
    done,
    stale,
  ]);
  const c = coordinator(fakeMarketData());
  const out = await c.runBatch(runInput);
  await c.waitFor(out.runId);
  assert.equal((await repo.get(out.runId))!.status, "completed", "no takeover warning");
  assert.equal((await repo.get(done))!.status, "completed", "the finished run keeps its verdict");
});

test("the sweep never fails a run executing in its own process, even if its heartbeat lags", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const c = coordinator(fakeMarketData({ gate }), createMemoryBus(), { heartbeatMs: 60_000, leaseTtlMs: 180_000 });
  const out = await c.runBatch(runInput);
  await db.query(`UPDATE "${schema}".runs SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`, [out.runId]);
  assert.ok(!(await c.sweep()).includes(out.runId));
  open();
  await c.waitFor(out.runId);
  assert.equal((await repo.get(out.runId))!.status, "completed");
});
