/**
 * End-to-end benchmark of a universe run through the real services (SPEC §8, the production
 * path the factor benchmark skips): every service started in this process on loopback ports with
 * real gRPC between them, real Postgres (a fresh database, dropped afterwards), the synthetic
 * provider, 1,193 symbols, and one forced run over 2024's 252 trading dates (phases 1 → 1.5 → 1.75,
 * 21-date chunks). Prints wall time per phase, rows/s, and the ratio to a floor passed in FLOOR_S
 * (the pure math + bulk load of the same rows, measured by bench-factors.ts in the same `make bench`).
 * Asserts nothing about time.
 *
 * Usage: DATABASE_URL=postgres://... [FLOOR_S=13.2] node --import tsx scripts/bench-pipeline.ts [--symbols N]
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { CoordinatorService, MarketDataService, Phase, phaseInfo, RunSource, RunStatus } from "@sigma/contracts";
import { createLogger, createServiceClient } from "@sigma/runtime";
import { startStack } from "@sigma/cli";

const { values: args } = parseArgs({ options: { symbols: { type: "string", default: "1193" } } });
const N = Number(args.symbols);
const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `bench_pipeline_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

const logger = createLogger("bench", { level: "warn" });
const stack = await startStack({
  env: {
    DATABASE_URL: url.toString(),
    NATS_URL: process.env.NATS_URL,
    SIGMA_PRICES: "synthetic",
    SIGMA_AS_OF: "2024-12-31",
    SIGMA_AUTH: "dev",
  },
  host: "127.0.0.1",
  ports: { coordinator: 0, "market-data": 0, factor: 0, snapshot: 0, risk: 0, status: 0 },
  statusHttpPort: 0,
  logger,
});
try {
  const at = (name: string) => stack.endpoints.find((e) => e.name === name)!.url;
  const coordinator = createServiceClient(CoordinatorService, at("coordinator"), { timeoutMs: 60_000 });
  const marketData = createServiceClient(MarketDataService, at("market-data"), { timeoutMs: 60_000 });
  await marketData.addSymbols({ symbols: Array.from({ length: N }, (_, i) => `S${String(i + 1).padStart(4, "0")}`) });
  console.log(
    `bench-pipeline: ${N} symbols + 8 factor ETFs, forced run 2024-01-02..2024-12-31 through the services (events: ${stack.events.split(" (")[0]})`,
  );
  const t0 = performance.now();
  const { runId } = await coordinator.runBatch({
    source: RunSource.ADMIN,
    forceRerun: true,
    startDate: "2024-01-02",
    endDate: "2024-12-31",
  });
  let run;
  for (;;) {
    ({ run } = await coordinator.getRun({ runId }));
    if (run!.status !== RunStatus.RUNNING) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const wall = (performance.now() - t0) / 1000;
  if (run!.status !== RunStatus.COMPLETED) throw new Error(`run ended ${RunStatus[run!.status]}: ${run!.errorSummary}`);
  let rows = 0;
  for (const p of run!.phases) {
    const out = Number(p.counters?.outputs ?? 0n);
    if (p.phase !== Phase.MARKET_DATA) rows += out;
    console.log(
      `${phaseInfo(p.phase).label.padEnd(6)} ${phaseInfo(p.phase).name.padEnd(24)}: ${p.durationSeconds.toFixed(2)} s  (${p.summary})`,
    );
  }
  const analytics = run!.phases.filter((p) => p.phase !== Phase.MARKET_DATA).reduce((s, p) => s + p.durationSeconds, 0);
  console.log(
    `wall (whole run)  : ${wall.toFixed(2)} s; phases 1.5 + 1.75: ${analytics.toFixed(2)} s, ${Math.round(rows / analytics)} rows/s`,
  );
  const floor = Number(process.env.FLOOR_S);
  if (floor > 0)
    console.log(`ratio to floor    : phases 1.5 + 1.75 ${(analytics / floor).toFixed(2)} (floor ${floor.toFixed(2)} s from bench-factors)`);
} finally {
  await stack.close();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
