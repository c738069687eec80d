/**
 * W1 onboarding benchmark (SPEC §8): one 27-symbol portfolio onboarded through the coordinator's
 * OnboardPortfolio with a 254-trading-day backfill, every service started in this process on
 * loopback ports with real gRPC between them, real Postgres (a fresh database, dropped afterwards),
 * the synthetic provider. Prints the wall time (OnboardPortfolio call → run finished), the run
 * record's per-phase seconds and rows, and the ratio to a floor measured in the same run:
 *   (a) the pure math of the same work: factors and metrics of the same 35 symbols (27 + 8 ETFs) ×
 *       254 dates and the snapshot engine on the same positions and prices, and
 *   (b) a binary COPY (pg-copy-streams) of every row the run stored, in every table of the output
 *       schemas (market_data, factor, snapshot, risk: found at run time, so a phase that adds a table
 *       adds its rows to the floor by itself) into empty keyed copies (scripts/bench-lib.ts).
 * Adding a phase's math to the floor is one entry of FLOOR_MATH below. Each floor part is the best of
 * 3 (it is a floor); the run is measured once. Also prints peak RSS (this process hosts every service;
 * the Postgres backends are read from /proc) and merges the figures into bench-results.json.
 * Asserts nothing about time.
 *
 * With `--embedded` the same onboarding runs on the embedded default (PGlite in this process, the
 * unnest write path) so `make demo` users know what to expect; it prints the wall, phases and RSS
 * (the floor is the real-Postgres run's).
 *
 * Usage: DATABASE_URL=postgres://... node --import tsx scripts/bench-w1.ts [--embedded]
 */
import pg from "pg";
import { addTradingDays, tradingDays } from "@sigma/calendar";
import { startStack } from "@sigma/cli";
import { CoordinatorService, MarketDataService, Phase, phaseInfo, RunStatus } from "@sigma/contracts";
import { computeSymbolFactors, computeSymbolMetrics, FACTOR_ETFS, LOOKBACK_TRADING_DAYS } from "@sigma/factor-service";
import { marketDataPriceSource } from "@sigma/prices";
import { createLogger, createServiceClient } from "@sigma/runtime";
import { computeSnapshots, type EnginePosition } from "@sigma/snapshot-service";
import {
  best,
  copyFloor,
  fmt,
  OUTPUT_SCHEMAS,
  peakRssMiB,
  postgresBackendsPeakMiB,
  printPhases,
  recordResults,
  secs,
  tablesWithRows,
} from "./bench-lib.js";

const AS_OF = "2024-12-31";
const DATES = 254;
/** The demo's 27-symbol universe (scripts/demo.sh) without the mutual fund GGIPX, plus UNH. */
// biome-ignore format: a symbol list reads better packed
const SYMBOLS = [
  "AAPL", "MSFT", "JPM", "XOM", "GLD", "QQQ", "VO", "EFA", "IEFA", "AGG", "MUB", "GOVT", "IAU", "NVDA",
  "AMZN", "GOOGL", "META", "BRK-B", "JNJ", "PG", "V", "MA", "HD", "KO", "PEP", "DIS", "UNH",
];
/** Trading days the floor's snapshot engine reads before the first entry (as the snapshot service does). */
const SNAPSHOT_HISTORY_DAYS = 300;
const FLOOR_REPEATS = 3;
const OLD_SYSTEM_S = 894;

const ENTRY = addTradingDays(AS_OF, -(DATES - 1));

/** The portfolio (SPEC §6 header): one PUBLIC lot per symbol, all entered on ENTRY. */
const positions: EnginePosition[] = SYMBOLS.map((symbol, i) => ({
  id: String(i + 1),
  symbol,
  quantity: 10 * (1 + (i % 9)),
  entryPrice: 50 + 7 * i,
  entryDate: ENTRY,
  positionClass: "public",
}));
const csv = [
  "Symbol,Quantity,Entry Price Per Share,Entry Date,Investment Class,Investment Subtype,Underlying Symbol,Strike Price,Expiration Date,Option Type,Exit Date,Exit Price Per Share",
  ...positions.map((p) => `${p.symbol},${p.quantity},${p.entryPrice.toFixed(2)},${p.entryDate},PUBLIC,,,,,,,`),
].join("\n");

const EMBEDDED = process.argv.includes("--embedded");
const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `bench_w1_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
if (!EMBEDDED) await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

const logger = createLogger("bench", { level: "warn" });
let stack: Awaited<ReturnType<typeof startStack>> | undefined;
const db = new pg.Client({ connectionString: url.toString(), application_name: "bench-w1" });
try {
  stack = await startStack({
    env: {
      // Empty: startStack serves PGlite in this process.
      DATABASE_URL: EMBEDDED ? "" : url.toString(),
      NATS_URL: process.env.NATS_URL,
      SIGMA_PRICES: "synthetic",
      SIGMA_AS_OF: AS_OF,
      SIGMA_AUTH: "dev",
      // Knobs passed through to compare chunking (e.g. SIGMA_CHUNK_DAYS=63); unset = the defaults.
      ...Object.fromEntries(
        ["SIGMA_CHUNK_DAYS", "SIGMA_ITEM_PORTFOLIOS", "SIGMA_ITEM_CONCURRENCY"].flatMap((k) =>
          process.env[k] ? [[k, process.env[k]]] : [],
        ),
      ),
    },
    host: "127.0.0.1",
    ports: { coordinator: 0, "market-data": 0, factor: 0, snapshot: 0, risk: 0, status: 0 },
    statusHttpPort: 0,
    logger,
  });
  const started = stack;
  const at = (name: string) => started.endpoints.find((e) => e.name === name)!.url;
  const coordinator = createServiceClient(CoordinatorService, at("coordinator"), { timeoutMs: 60_000 });
  const marketData = createServiceClient(MarketDataService, at("market-data"), { timeoutMs: 60_000 });
  if (!EMBEDDED) await db.connect();
  console.log(
    `bench-w1${EMBEDDED ? " (embedded PGlite)" : ""}: onboarding of ${SYMBOLS.length} PUBLIC symbols entered ${ENTRY}, as of ${AS_OF} (${tradingDays(ENTRY, AS_OF).length} trading dates), synthetic prices, database ${EMBEDDED ? "PGlite in this process" : dbName} (events: ${stack.events.split(" (")[0]})`,
  );

  // The workload: OnboardPortfolio → poll GetRun until the run ends.
  const t0Epoch = Date.now();
  const t0 = performance.now();
  const onboarded = await coordinator.onboardPortfolio({ csv: new TextEncoder().encode(csv), name: "bench-w1" });
  const callSeconds = secs(t0);
  if (onboarded.errors.length)
    throw new Error(`import refused: ${onboarded.errors.map((e) => `row ${e.row} ${e.column}: ${e.message}`).join("; ")}`);
  let run;
  for (;;) {
    ({ run } = await coordinator.getRun({ runId: onboarded.runId }));
    if (run!.runStatus !== RunStatus.RUNNING) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const polledWall = secs(t0);
  const finishedMs = run!.finishedAt ? Number(run!.finishedAt.seconds) * 1000 + run!.finishedAt.nanos / 1e6 : Number.NaN;
  // The run record's finish time against the same machine's clock: free of the polling interval.
  const wall = Number.isFinite(finishedMs) ? (finishedMs - t0Epoch) / 1000 : polledWall;
  const ok = run!.runStatus === RunStatus.COMPLETED || run!.runStatus === RunStatus.COMPLETED_WITH_WARNINGS;
  if (!ok) throw new Error(`run ${onboarded.runId} ended ${RunStatus[run!.runStatus]}: ${run!.errorSummary}`);

  console.log(
    `run ${run!.id}: ${RunStatus[run!.runStatus]}, ${run!.datesCompleted}/${run!.datesTotal} dates ${run!.startDate}..${run!.endDate}` +
      (run!.warnings.length ? `; warnings: ${run!.warnings.join("; ")}` : ""),
  );
  const phases = printPhases(run!.phases, phaseInfo);
  const phaseSum = phases.reduce((s, p) => s + p.seconds, 0);
  const rows = phases.filter((p) => p.phase !== phaseInfo(Phase.MARKET_DATA).label).reduce((s, p) => s + p.rows, 0);
  const rss = { process_mib: peakRssMiB(), postgres: EMBEDDED ? undefined : await postgresBackendsPeakMiB(db, dbName) };
  console.log(
    `wall (OnboardPortfolio → run finished): ${fmt(wall)} s (OnboardPortfolio answered in ${fmt(callSeconds)} s; observed by 50 ms polling ${fmt(polledWall)} s; phases sum ${fmt(phaseSum)} s)`,
  );
  console.log(`rows written (phases after market data): ${rows}, ${Math.round(rows / wall)} rows/s over the wall time`);

  if (EMBEDDED) {
    console.log(`peak RSS: ${rss.process_mib.toFixed(0)} MiB (this process: every service, the bench and PGlite)`);
    console.log("floor: see the real-Postgres run of bench-w1 (the same work; COPY is not available on PGlite)");
    recordResults("W1_embedded", { wall_s: wall, phases, rows_written: rows, rows_per_s: rows / wall, peak_rss: rss });
  } else {
    // Floor (a): the pure math of the same work, on the same prices read back from market-data.
    // One entry per phase: the risk phases add theirs here.
    const prices = marketDataPriceSource(marketData);
    const scope = [...new Set([...SYMBOLS, ...FACTOR_ETFS])].sort();
    const factorPanel = await prices.closes(scope, addTradingDays(ENTRY, -LOOKBACK_TRADING_DAYS), AS_OF);
    const snapPanel = await prices.closes(SYMBOLS, addTradingDays(ENTRY, -SNAPSHOT_HISTORY_DAYS), AS_OF);
    const factorInput = { dates: factorPanel.dates, closes: factorPanel.closes, symbols: scope, startDate: ENTRY, endDate: AS_OF };
    const FLOOR_MATH: { name: string; run: () => number }[] = [
      { name: "factors", run: () => computeSymbolFactors(factorInput).table.rowCount },
      { name: "metrics", run: () => computeSymbolMetrics(factorInput).table.rowCount },
      {
        name: "snapshot engine",
        run: () => {
          const r = computeSnapshots({ positions, prices: snapPanel, endDate: AS_OF });
          return r.snapshots.length + r.marks.reduce((s, m) => s + m.length, 0);
        },
      },
    ];
    const math = FLOOR_MATH.map((m) => ({ name: m.name, ...best(m.run, FLOOR_REPEATS) }));
    const mathS = math.reduce((s, m) => s + m.s, 0);

    // Floor (b): COPY of every stored row into empty keyed copies of its table.
    const copies = await copyFloor(db, await tablesWithRows(db, OUTPUT_SCHEMAS), FLOOR_REPEATS);
    const copyS = copies.reduce((s, c) => s + c.seconds, 0);
    const copyRows = copies.reduce((s, c) => s + c.rows, 0);
    const floor = mathS + copyS;

    console.log(`floor (best of ${FLOOR_REPEATS} each): ${fmt(floor)} s`);
    console.log(`  (a) pure math ${fmt(mathS)} s: ${math.map((m) => `${m.name} ${fmt(m.s)} s (${m.n} rows)`).join(", ")}`);
    console.log(
      `  (b) COPY ${fmt(copyS)} s of ${copyRows} rows (${Math.round(copyRows / copyS)} rows/s): ${copies.map((c) => `${c.table} ${c.rows} rows ${fmt(c.seconds)} s`).join(", ")}`,
    );
    console.log(`ratio to floor = wall / floor = ${fmt(wall)} / ${fmt(floor)} = ${(wall / floor).toFixed(1)}`);
    console.log(
      `peak RSS: ${rss.process_mib.toFixed(0)} MiB (this process: every service + the bench), Postgres backends max ${rss.postgres!.maxMiB.toFixed(0)} MiB over ${rss.postgres!.backends}`,
    );
    console.log(`old system: ${OLD_SYSTEM_S} s for W1 (${(OLD_SYSTEM_S / wall).toFixed(0)}x this run)`);
    console.log("target: whole W1 <= 3 s once the risk phases exist; phases 1-2.5 well under 2 s");
    recordResults("W1", {
      wall_s: wall,
      phases,
      rows_written: rows,
      rows_per_s: rows / wall,
      floor_s: floor,
      floor_math: math,
      floor_copy: copies,
      ratio_to_floor: wall / floor,
      peak_rss: rss,
    });
  }
} finally {
  await db.end().catch(() => undefined);
  await stack?.close();
  if (!EMBEDDED) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
