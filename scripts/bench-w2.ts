/**
 * W2 / W3 benchmark (SPEC §8) through the services (every service in this process on loopback ports,
 * real gRPC between them, real Postgres in a fresh database dropped afterwards, synthetic prices):
 *   setup: N synthetic symbols (S0001..), P portfolios × K positions from a deterministic generator,
 *          imported through the snapshot service (not timed as W2).
 *   W2: one forced universe RunBatch over the D-trading-day backfill ending AS_OF (all phases the
 *       coordinator runs today: the risk phases join by themselves once merged).
 *   W3: the pinned clock is one trading day later (NEXT); one unforced RunBatch = the daily run.
 * Prints for each: wall, the run record's per-phase seconds and rows, rows written/s, peak RSS (this
 * process hosts every service; Postgres backends from /proc) and the ratio to a floor measured in the
 * same run (pure math of the same work + a binary COPY of the same rows into keyed empty tables).
 * Merges the figures into bench-results.json. Asserts nothing about time.
 *
 * Knobs (environment): SIGMA_BENCH_SYMBOLS (1193), SIGMA_BENCH_PORTFOLIOS (1000), SIGMA_BENCH_POSITIONS
 * (20), SIGMA_BENCH_DATES (254), SIGMA_BENCH_AS_OF (2024-12-30; W3 is the next trading day);
 * `--processes` runs one process per service (SIGMA_BENCH_PROFILE_DIR: each writes a CPU profile there;
 * SIGMA_BENCH_REPLICAS="risk=2": replicas of a service, balanced by grpc-js round_robin as deployed).
 * Usage: DATABASE_URL=postgres://... node --import tsx scripts/bench-w2.ts   (make bench-w2)
 */
import type { Client } from "@connectrpc/connect";
import os from "node:os";
import pg from "pg";
import { addTradingDays, tradingDays } from "@sigma/calendar";
import { startStack } from "@sigma/cli";
import { CoordinatorService, MarketDataService, phaseInfo, Phase, RunSource, RunStatus, SnapshotService } from "@sigma/contracts";
import { computeSymbolFactors, computeSymbolMetrics, FACTOR_ETFS, LOOKBACK_TRADING_DAYS } from "@sigma/factor-service";
import { marketDataPriceSource } from "@sigma/prices";
import { createLogger, createServiceClient } from "@sigma/runtime";
import { replicaCounts, SERVICE_NAMES, startSystem } from "@sigma/testing";
import { computeSnapshots, type EnginePosition } from "@sigma/snapshot-service";
import {
  best,
  copyFloor,
  cpuSeconds,
  type FloorTable,
  fmt,
  OUTPUT_SCHEMAS,
  peakRssMiB,
  postgresBackendsPeakMiB,
  postgresCpuSeconds,
  printPhases,
  recordResults,
  secs,
  tablesWithRows,
  vmHwmMiB,
} from "./bench-lib.js";

const knob = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${process.env[name]}`);
  return v;
};
const N_SYMBOLS = knob("SIGMA_BENCH_SYMBOLS", 1193);
const N_PORTFOLIOS = knob("SIGMA_BENCH_PORTFOLIOS", 1000);
const N_POSITIONS = Math.min(knob("SIGMA_BENCH_POSITIONS", 20), N_SYMBOLS);
const N_DATES = knob("SIGMA_BENCH_DATES", 254);
const AS_OF = process.env.SIGMA_BENCH_AS_OF ?? "2024-12-30";
const NEXT = addTradingDays(AS_OF, 1);
const ENTRY = addTradingDays(AS_OF, -(N_DATES - 1));
const SNAPSHOT_HISTORY_DAYS = 300;
const IMPORT_CONCURRENCY = 4;
const FLOOR_REPEATS = 2;
/** SIGMA_BENCH_REPLICAS, e.g. "risk=2,factor=2": processes per service with --processes (default 1 each). */
const REPLICAS: Partial<Record<(typeof SERVICE_NAMES)[number], number>> = Object.fromEntries(
  (process.env.SIGMA_BENCH_REPLICAS ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => {
      const [name, n] = kv.split("=");
      if (!SERVICE_NAMES.includes(name as (typeof SERVICE_NAMES)[number]) || !Number.isInteger(Number(n)) || Number(n) < 1)
        throw new RangeError(`SIGMA_BENCH_REPLICAS: expected service=count pairs, got "${kv}"`);
      return [name, Number(n)];
    }),
);
const SIZE = `${N_SYMBOLS} symbols, ${N_PORTFOLIOS} portfolios x ${N_POSITIONS} positions, ${N_DATES} dates`;

const symbols = Array.from({ length: N_SYMBOLS }, (_, i) => `S${String(i + 1).padStart(4, "0")}`);

/** Deterministic PRNG (mulberry32): the same knobs give the same portfolios. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Portfolio p: K distinct symbols, PUBLIC lots entered on ENTRY. */
function portfolio(p: number): EnginePosition[] {
  const r = prng(1000 + p);
  const picked = new Set<string>();
  while (picked.size < N_POSITIONS) picked.add(symbols[Math.floor(r() * N_SYMBOLS)]!);
  return [...picked].map((symbol, i) => ({
    id: String(i + 1),
    symbol,
    quantity: 1 + Math.floor(r() * 500),
    entryPrice: Math.round((20 + r() * 300) * 100) / 100,
    entryDate: ENTRY,
    positionClass: "public",
  }));
}
const toCsv = (positions: readonly EnginePosition[]) =>
  [
    "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Investment Subtype,Underlying Symbol,Strike Price,Expiration Date,Option Type,Exit Date,Exit Price Per Share",
    ...positions.map((p) => `${p.symbol},${p.quantity},${p.entryPrice.toFixed(2)},${p.entryDate},PUBLIC,,,,,,,`),
  ].join("\n");

const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
/**
 * `--processes`: every service is its own process (as deployed: the services' CPU work runs in
 * parallel with each other and with Postgres), started by the e2e harness with JWT auth; peak RSS is
 * reported per process. Default: every service in this process (startStack), as `sigma dev` runs.
 */
const PROCESSES = process.argv.includes("--processes");
const logger = createLogger("bench", { level: "warn" });

/** The services under test, however they run. */
interface BenchSystem {
  coordinator: Client<typeof CoordinatorService>;
  marketData: Client<typeof MarketDataService>;
  snapshot: Client<typeof SnapshotService>;
  dbUrl: string;
  dbName: string;
  events: string;
  /** Peak RSS (MiB) per process hosting services. */
  rss(): Record<string, number>;
  /** CPU seconds used so far per process hosting services. */
  cpu(): Record<string, number>;
  stop(): Promise<void>;
}

async function startInProcess(): Promise<BenchSystem> {
  const dbName = `bench_w2_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  };
  let stack: Awaited<ReturnType<typeof startStack>>;
  try {
    // The services' clock is NEXT from the start: W2 is a forced range ending AS_OF, W3 the daily run for NEXT.
    stack = await startStack({
      env: {
        DATABASE_URL: url.toString(),
        NATS_URL: process.env.NATS_URL,
        SIGMA_PRICES: "synthetic",
        SIGMA_AS_OF: NEXT,
        SIGMA_AUTH: "dev",
      },
      host: "127.0.0.1",
      ports: { coordinator: 0, "market-data": 0, factor: 0, snapshot: 0, risk: 0, status: 0 },
      statusHttpPort: 0,
      logger,
    });
  } catch (err) {
    await drop();
    throw err;
  }
  const at = (name: string) => stack.endpoints.find((e) => e.name === name)!.url;
  return {
    coordinator: createServiceClient(CoordinatorService, at("coordinator"), { timeoutMs: 120_000 }),
    marketData: createServiceClient(MarketDataService, at("market-data"), { timeoutMs: 120_000 }),
    snapshot: createServiceClient(SnapshotService, at("snapshot"), { timeoutMs: 120_000 }),
    dbUrl: url.toString(),
    dbName,
    events: stack.events.split(" (")[0]!,
    rss: () => ({ "all services (this process)": peakRssMiB() }),
    cpu: () => {
      const u = process.cpuUsage();
      return { "all services (this process)": (u.user + u.system) / 1e6 };
    },
    async stop() {
      await stack.close();
      await drop();
    },
  };
}

async function startProcesses(): Promise<BenchSystem> {
  // SIGMA_BENCH_PROFILE_DIR: every service writes a V8 CPU profile there when it stops.
  const dir = process.env.SIGMA_BENCH_PROFILE_DIR;
  if (dir) process.env.SIGMA_SERVICE_NODE_ARGS = `--cpu-prof --cpu-prof-dir=${dir}`;
  const system = await startSystem({
    adminDatabaseUrl: adminUrl,
    prices: "synthetic",
    asOf: NEXT,
    logLevel: "warn",
    serviceEnv: { coordinator: { SIGMA_RPC_TIMEOUT_MS: String(30 * 60_000) } },
    replicas: REPLICAS,
  });
  const counts = replicaCounts(REPLICAS);
  // Every process: "risk" for a single replica, "risk#0", "risk#1", ... for several.
  const each = <T>(f: (pid: number) => T): Record<string, T> =>
    Object.fromEntries(
      SERVICE_NAMES.flatMap((n) =>
        Array.from({ length: counts[n] }, (_, i) => [counts[n] > 1 ? `${n}#${i}` : n, f(system.process(n, i).pid ?? -1)]),
      ),
    );
  return {
    coordinator: system.clients.coordinator,
    marketData: system.clients.marketData,
    snapshot: system.clients.snapshot,
    dbUrl: system.database.url,
    dbName: system.database.name,
    events: system.natsUrl,
    rss: () => each(vmHwmMiB),
    cpu: () => each((pid) => cpuSeconds(pid)),
    stop: () => system.stop(),
  };
}

const sys = PROCESSES ? await startProcesses() : await startInProcess();
const { coordinator, marketData, snapshot, dbName } = sys;
const db = new pg.Client({ connectionString: sys.dbUrl, application_name: "bench-w2" });
try {
  await db.connect();
  console.log(
    `bench-w2: ${SIZE} (${ENTRY}..${AS_OF}), W3 = ${NEXT}; database ${dbName} (events: ${sys.events}); ` +
      (PROCESSES
        ? `one process per service${
            Object.keys(REPLICAS).length
              ? ` (replicas: ${Object.entries(REPLICAS)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(", ")})`
              : ""
          }`
        : "every service in this process"),
  );

  // Setup (not timed as W2): the universe and the portfolios.
  const ts = performance.now();
  await marketData.addSymbols({ symbols });
  const portfolios = Array.from({ length: N_PORTFOLIOS }, (_, p) => portfolio(p));
  let next = 0;
  await Promise.all(
    Array.from({ length: IMPORT_CONCURRENCY }, async () => {
      for (let p = next++; p < N_PORTFOLIOS; p = next++) {
        const res = await snapshot.importPortfolio({
          csv: new TextEncoder().encode(toCsv(portfolios[p]!)),
          name: `bench-${p}`,
          owner: "bench",
          asOfDate: AS_OF,
        });
        if (res.errors.length)
          throw new Error(`portfolio ${p} refused: ${res.errors.map((e) => `${e.row} ${e.column}: ${e.message}`).join("; ")}`);
      }
    }),
  );
  console.log(`setup: ${N_SYMBOLS} symbols added, ${N_PORTFOLIOS} portfolios imported in ${fmt(secs(ts))} s`);

  // W2: forced backfill of the universe and every portfolio.
  const w2 = await timedRun("W2", { source: RunSource.ADMIN, forceRerun: true, startDate: ENTRY, endDate: AS_OF });
  const w2Floor = await floor("W2", ENTRY, AS_OF, await tablesWithRows(db, OUTPUT_SCHEMAS));
  report("W2", w2, w2Floor);

  // W3: the next trading day, the ordinary daily run.
  const w3 = await timedRun("W3", { source: RunSource.CRON });
  const w3Tables = (await tablesWithRows(db, OUTPUT_SCHEMAS)).map((t) => ({ ...t, where: `date = '${NEXT}'` }));
  const datedTables: FloorTable[] = [];
  for (const t of w3Tables) {
    const { rows } = await db.query<{ ok: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema || '.' || table_name = $1 AND column_name = 'date') AS ok`,
      [t.table],
    );
    if (rows[0]!.ok) datedTables.push(t);
  }
  const w3Floor = await floor("W3", NEXT, NEXT, datedTables);
  report("W3", w3, w3Floor);

  async function timedRun(name: string, req: Parameters<typeof coordinator.runBatch>[0]) {
    const cpu0: Record<string, number> = { ...sys.cpu(), postgres: postgresCpuSeconds() };
    const t0Epoch = Date.now();
    const t0 = performance.now();
    const res = await coordinator.runBatch(req);
    if (!res.runId) throw new Error(`${name}: no run started (${res.message || (res.alreadyUpToDate ? "already up to date" : "?")})`);
    let run;
    for (;;) {
      ({ run } = await coordinator.getRun({ runId: res.runId }));
      if (run!.runStatus !== RunStatus.RUNNING) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const finishedMs = run!.finishedAt ? Number(run!.finishedAt.seconds) * 1000 + run!.finishedAt.nanos / 1e6 : Number.NaN;
    const wall = Number.isFinite(finishedMs) ? (finishedMs - t0Epoch) / 1000 : secs(t0);
    const ok = run!.runStatus === RunStatus.COMPLETED || run!.runStatus === RunStatus.COMPLETED_WITH_WARNINGS;
    if (!ok) throw new Error(`${name}: run ${res.runId} ended ${RunStatus[run!.runStatus]}: ${run!.errorSummary}`);
    console.log(
      `${name}: run ${run!.id} ${RunStatus[run!.runStatus]}, ${run!.datesCompleted}/${run!.datesTotal} dates ${run!.startDate}..${run!.endDate}, wall ${fmt(wall)} s` +
        (run!.warnings.length ? `; warnings: ${run!.warnings.slice(0, 3).join("; ")}` : ""),
    );
    const phases = printPhases(run!.phases, phaseInfo);
    const rows = phases.filter((p) => p.phase !== phaseInfo(Phase.MARKET_DATA).label).reduce((s, p) => s + p.rows, 0);
    const rss = { processes_mib: sys.rss(), postgres: await postgresBackendsPeakMiB(db, dbName) };
    const cpu1 = { ...sys.cpu(), postgres: postgresCpuSeconds() };
    // Where the machine's cores went during the run (the bench's own polling included in nothing here).
    const cpu = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k] ?? Number.NaN)]));
    console.log(
      `  CPU seconds during the run: ${Object.entries(cpu)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(", ")} (sum ${Object.values(cpu)
        .reduce((a, b) => a + b, 0)
        .toFixed(1)} over ${fmt(wall)} s wall, ${os.availableParallelism()} cores)`,
    );
    return { wall, phases, rows, rss, cpu };
  }

  /** Pure math of the same work over [start, end] (factors, metrics, snapshot engine per portfolio) + COPY of the rows. */
  async function floor(name: string, start: string, end: string, tables: FloorTable[]) {
    const prices = marketDataPriceSource(marketData);
    const scope = [...new Set([...symbols, ...FACTOR_ETFS])].sort();
    const fp = await prices.closes(scope, addTradingDays(start, -LOOKBACK_TRADING_DAYS), end);
    const sp = await prices.closes(symbols, addTradingDays(ENTRY, -SNAPSHOT_HISTORY_DAYS), end);
    const input = { dates: fp.dates, closes: fp.closes, symbols: scope, startDate: start, endDate: end };
    // One entry per phase: the risk phases add theirs here.
    const FLOOR_MATH: { name: string; run: () => number }[] = [
      { name: "factors", run: () => computeSymbolFactors(input).table.rowCount },
      { name: "metrics", run: () => computeSymbolMetrics(input).table.rowCount },
      {
        name: "snapshot engine",
        run: () => portfolios.reduce((n, positions) => n + computeSnapshots({ positions, prices: sp, endDate: end }).snapshots.length, 0),
      },
    ];
    const math = FLOOR_MATH.map((m) => ({ name: m.name, ...best(m.run, FLOOR_REPEATS) }));
    const copies = await copyFloor(db, tables, FLOOR_REPEATS);
    const mathS = math.reduce((s, m) => s + m.s, 0);
    const copyS = copies.reduce((s, c) => s + c.seconds, 0);
    console.log(`${name} floor (best of ${FLOOR_REPEATS}): ${fmt(mathS + copyS)} s`);
    console.log(`  (a) pure math ${fmt(mathS)} s: ${math.map((m) => `${m.name} ${fmt(m.s)} s (${m.n} rows)`).join(", ")}`);
    console.log(`  (b) COPY ${fmt(copyS)} s: ${copies.map((c) => `${c.table} ${c.rows} rows ${fmt(c.seconds)} s`).join(", ")}`);
    return { seconds: mathS + copyS, math, copies };
  }

  function report(name: string, r: Awaited<ReturnType<typeof timedRun>>, f: Awaited<ReturnType<typeof floor>>) {
    console.log(
      `${name}: wall ${fmt(r.wall)} s, ${r.rows} rows written after market data (${Math.round(r.rows / r.wall)} rows/s), ratio to floor ${(r.wall / f.seconds).toFixed(2)}; ` +
        `peak RSS ${Object.entries(r.rss.processes_mib)
          .map(([k, v]) => `${k} ${v.toFixed(0)} MiB`)
          .join(", ")}; Postgres backends max ${r.rss.postgres.maxMiB.toFixed(0)} MiB over ${r.rss.postgres.backends}`,
    );
    recordResults(name, {
      size: { symbols: N_SYMBOLS, portfolios: N_PORTFOLIOS, positions: N_POSITIONS, dates: N_DATES, as_of: AS_OF },
      replicas: PROCESSES ? REPLICAS : "in-process",
      wall_s: r.wall,
      phases: r.phases,
      rows_written: r.rows,
      rows_per_s: r.rows / r.wall,
      floor_s: f.seconds,
      floor_math: f.math,
      floor_copy: f.copies,
      ratio_to_floor: r.wall / f.seconds,
      peak_rss: r.rss,
      cpu_s: r.cpu,
    });
  }
  console.log(`trading dates in the backfill: ${tradingDays(ENTRY, AS_OF).length}`);
} finally {
  await db.end().catch(() => undefined);
  await sys.stop();
}
