import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { tradingDays } from "@sigma/calendar";
import { RunSource, RunStatus } from "@sigma/contracts";
import type { ServiceName } from "@sigma/runtime";
import { startSystem, type System } from "@sigma/testing";
import pg from "pg";

// Issue #11.2 over real processes: scale-out by client-side load balancing. The coordinator reaches
// each replicated service through `grpc+lb://` (grpc-js round_robin over every replica) and cuts each
// chunk into items of N symbols; a replica SIGKILLed mid-run loses nothing: its in-flight items fail
// with UNAVAILABLE, are retried, land on a live replica, and the stored rows are exactly those of a
// single-replica run over the same scope.
//
// Both runs use the same system and database. The fault run goes first, with all replicas up, and
// kills replica 0 of each replicated service mid-run while items are in flight on it. Its output
// tables' checksums are taken, the tables truncated, and the reference run repeats the same forced
// run with ONE live replica per service (replica 0 is dead, the others but the last are killed:
// every call lands on the survivor, i.e. a single-replica run). Same prices (synthetic provider,
// deterministic), same clock, same scope: the checksums of every output table must be equal. (One
// system instead of two, and no restart, keeps the test short on 2 cores.)
//
// Replicated here: factor ×2 (phases 1.5/1.75, items of symbols) and risk ×3 (phases 3–6 and the
// stress tests, items of portfolios' cells) over 40 portfolios × 10 positions × 60 dates. Adding a
// replicated service is: a line in REPLICAS, its output tables in OUTPUT_TABLES, its RPCs in COMPUTE_RPCS.

/** Replicas per service; every service listed here loses its replica 0 mid-run. */
const REPLICAS: Partial<Record<ServiceName, number>> = { factor: 2, risk: 3 };
/**
 * Output tables compared (every column as text, in primary-key order), with the row count the scope
 * must produce: one factor and one metric row per symbol-date (60 symbols + the 8 factor ETFs).
 */
const OUTPUT_TABLES: { table: string; order: string; rows?: number }[] = [
  { table: "factor.symbol_factors", order: "symbol, date", rows: 68 * 60 },
  { table: "factor.symbol_metrics", order: "symbol, date", rows: 68 * 60 },
  { table: "snapshot.snapshots", order: "portfolio_id, date", rows: 40 * 60 },
  { table: "snapshot.position_marks", order: "portfolio_id, date", rows: 40 * 60 },
  { table: "risk.position_betas", order: "portfolio_id, date", rows: 40 * 60 },
  { table: "risk.factor_exposures", order: "portfolio_id, date", rows: 40 * 60 },
  { table: "risk.portfolio_volatility", order: "portfolio_id, date", rows: 40 * 60 },
  { table: "risk.symbol_volatility", order: "symbol, date" },
  { table: "risk.position_correlations", order: "portfolio_id, date" },
  { table: "risk.factor_ewma", order: "date", rows: 60 },
  { table: "risk.stress_results", order: "portfolio_id, date, scenario_id", rows: 40 * 19 },
];
/** The per-item RPCs whose log lines count the calls each replica took. */
const COMPUTE_RPCS =
  /"rpc":"sigma\.(factor\.v1\.FactorService\/ComputeSymbol(Factors|Metrics)|risk\.v1\.RiskService\/Compute(PositionBetas|FactorExposures|Volatility|Correlations|Stress))"/;
/** Portfolios × positions imported before the runs (a small W2 shape: every portfolio on every date). */
const PORTFOLIOS = 40;
const POSITIONS = 10;

const AS_OF = "2024-03-28";
const DATES = tradingDays("2023-10-01", AS_OF).slice(-60);
const SYMBOLS = Array.from({ length: 60 }, (_, i) => `R${String(i + 1).padStart(3, "0")}`);
const RUN = { source: RunSource.ADMIN, forceRerun: true, startDate: DATES[0]!, endDate: DATES.at(-1)! };
const FINAL = [RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS];
const replicated = Object.entries(REPLICAS).filter(([, n]) => (n ?? 1) > 1) as [ServiceName, number][];

let system: System;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: system.database.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Row count and md5 of every output table's rows in primary-key order. */
function checksums(): Promise<Record<string, string>> {
  return withDb(async (c) => {
    const out: Record<string, string> = {};
    for (const { table, order } of OUTPUT_TABLES) {
      const { rows } = await c.query(`SELECT count(*)::int AS n, md5(string_agg(x::text, E'\\n' ORDER BY ${order})) AS h FROM ${table} x`);
      out[table] = `${rows[0].n} rows, md5 ${rows[0].h}`;
    }
    return out;
  });
}

async function waitFor(runId: string, done: (run: { status: RunStatus; datesCompleted: number }) => boolean, what: string) {
  for (let i = 0; i < 6000; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (done(run!)) return run!;
    if (run!.status !== RunStatus.RUNNING)
      throw new Error(`run ended ${RunStatus[run!.status]} while waiting for ${what}: ${run!.errorSummary}`);
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}\n${system.describe(30)}`);
}

async function runToEnd(runId: string) {
  for (let i = 0; i < 1200; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.status !== RunStatus.RUNNING) return run!;
    await sleep(100);
  }
  throw new Error(`run ${runId} did not finish\n${system.describe(30)}`);
}

/** The coordinator's warning for a call retried after a transport failure (client.ts). */
const RETRY_LINE = /"msg":"rpc failed \(transport\), retrying"/;

/** Lines matching every pattern. */
function countLines(text: string, ...res: RegExp[]): number {
  return text.split("\n").filter((l) => res.every((re) => re.test(l))).length;
}

/** Compute calls per replica, read from each replica's per-RPC log lines. */
function callsPerReplica(procs: { output: { text(): string } }[]): number[] {
  return procs.map(
    (p) =>
      p.output
        .text()
        .split("\n")
        .filter((l) => COMPUTE_RPCS.test(l) && /"msg":"rpc"/.test(l)).length,
  );
}

before(async () => {
  system = await startSystem({
    replicas: REPLICAS,
    prices: "synthetic",
    asOf: AS_OF,
    // Seven processes compile through tsx at once: allow a loaded 2-core machine time to start them.
    readyTimeoutMs: 180_000,
    serviceEnv: {
      // Small chunks and items: many items per phase, so the kill lands between and inside items.
      coordinator: { SIGMA_CHUNK_DAYS: "5", SIGMA_ITEM_SYMBOLS: "8", SIGMA_ITEM_PORTFOLIOS: "8", SIGMA_ITEM_CONCURRENCY: "4" },
    },
  });
  await system.clients.marketData.addSymbols({ symbols: SYMBOLS });
  // Deterministic portfolios of the synthetic symbols, all entered on the first date (so each has a
  // snapshot, betas, exposures, volatility and correlations on every date of the runs).
  for (let p = 0; p < PORTFOLIOS; p++) {
    const rows = Array.from({ length: POSITIONS }, (_, k) => {
      const symbol = SYMBOLS[(p * 7 + k * 11) % SYMBOLS.length]!;
      const quantity = (k % 4 === 3 ? -1 : 1) * (100 + ((p * 31 + k * 17) % 400));
      return `${symbol},${quantity},${50 + ((p + k) % 50)},${DATES[0]}`;
    });
    const csv = ["Symbol,Quantity,Entry Price Per Share,Entry Date", ...new Set(rows)].join("\n");
    const res = await system.clients.snapshot.importPortfolio({
      csv: new TextEncoder().encode(csv),
      name: `replicas-${p}`,
      owner: "e2e",
      asOfDate: AS_OF,
    });
    assert.equal(res.errors.length, 0, JSON.stringify(res.errors));
  }
});

after(async () => {
  await system?.stop();
});

test(`a replica SIGKILLed mid-run (${replicated.map(([s, n]) => `${s} ×${n}`).join(", ")}): the run completes with the rows of a single-replica run`, {
  timeout: 600_000,
}, async (t) => {
  assert.ok(replicated.length > 0);
  assert.match(system.urls.factor, /^grpc\+lb:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);

  const procs = Object.fromEntries(replicated.map(([svc, n]) => [svc, Array.from({ length: n }, (_, i) => system.process(svc, i))]));

  // Fault run: all replicas up; once two chunks are committed (and dates remain), replica 0 of every
  // replicated service is frozen (SIGSTOP) for 1.5 s, so round robin hands it items that hang in
  // flight, then SIGKILLed: those items fail with UNAVAILABLE and must be redone on a live replica.
  const coordinatorOut = system.process("coordinator").output;
  const { runId } = await system.clients.coordinator.runBatch(RUN);
  await waitFor(runId, (r) => r.datesCompleted >= 10, "two committed chunks");
  const { run: atKill } = await system.clients.coordinator.getRun({ runId });
  assert.equal(atKill!.status, RunStatus.RUNNING, "the run ended before the kill");
  assert.ok(atKill!.datesCompleted < atKill!.datesTotal, "no dates left at the kill");
  for (const [svc] of replicated) system.process(svc, 0).pause();
  await sleep(1500);
  for (const [svc] of replicated) await system.process(svc, 0).kill();
  t.diagnostic(`killed replica 0 of ${replicated.map(([s]) => s).join(", ")} at ${atKill!.datesCompleted}/${atKill!.datesTotal} dates`);
  const run = await runToEnd(runId);
  const counts = Object.fromEntries(replicated.map(([svc]) => [svc, callsPerReplica(procs[svc]!)]));
  const got = await checksums();
  const retries = countLines(coordinatorOut.text(), RETRY_LINE, COMPUTE_RPCS);
  t.diagnostic(
    `fault run: ${RunStatus[run.status]} ${run.datesCompleted}/${run.datesTotal}; compute calls per replica ${JSON.stringify(counts)}; ` +
      `${retries} item call(s) retried after the kill; ${JSON.stringify(got)}`,
  );
  assert.ok(FINAL.includes(run.status), `fault run: ${RunStatus[run.status]}: ${run.errorSummary}\n${system.describe(30)}`);
  assert.equal(run.datesCompleted, DATES.length);
  for (const [svc] of replicated) {
    const c = counts[svc]!;
    assert.ok(c[0]! > 0, `${svc} replica 0 took calls before it was killed: ${c}`);
    for (let i = 1; i < c.length; i++) assert.ok(c[i]! > c[0]!, `${svc} replica ${i} took over the rest: ${c}`);
  }
  assert.ok(retries > 0, "items in flight on the killed replica were retried");
  for (const { table, rows } of OUTPUT_TABLES) {
    if (rows !== undefined) assert.match(got[table]!, new RegExp(`^${rows} rows`), table);
    else assert.doesNotMatch(got[table]!, /^0 rows/, table);
  }

  // Reference: the same forced run into emptied tables with ONE live replica per service (replica 0
  // is dead; the others but the last are killed too), so every item lands on the survivor.
  await withDb((c) => c.query(`TRUNCATE ${OUTPUT_TABLES.map((o) => o.table).join(", ")}`));
  for (const [svc, n] of replicated) for (let i = 1; i < n - 1; i++) await system.process(svc, i).kill();
  const ref = await runToEnd((await system.clients.coordinator.runBatch(RUN)).runId);
  const reference = await checksums();
  t.diagnostic(
    `reference (1 replica each): ${RunStatus[ref.status]} ${ref.datesCompleted}/${ref.datesTotal}; ${JSON.stringify(reference)}`,
  );
  assert.ok(FINAL.includes(ref.status), `reference run: ${RunStatus[ref.status]}: ${ref.errorSummary}\n${system.describe(30)}`);
  assert.equal(run.status, ref.status);
  assert.equal(ref.datesCompleted, DATES.length);
  assert.deepEqual(got, reference, "stored rows differ from the single-replica run");
});
