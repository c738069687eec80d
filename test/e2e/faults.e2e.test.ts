import assert from "node:assert/strict";
import { after, before, type TestContext, test } from "node:test";
import { RunSource, RunStatus } from "@sigma/contracts";
import { startPrivatePostgres, startSystem, type PrivatePostgres, type System } from "@sigma/testing";
import pg from "pg";

// Issue #7.2 over real processes: faults that must not fail a run. A test-owned Postgres (so it can
// be stopped) and the six services; each fault run must complete like a run without the fault and
// leave exactly the same rows (md5 of the ordered factor, metric and price rows).
const SYMBOLS = ["AAPL", "MSFT", "JPM", "XOM", "GLD", "NVDA"];
const RUN = { source: RunSource.ADMIN, forceRerun: true, startDate: "2018-06-01", endDate: "2020-01-23" };
const TABLES = ["factor.symbol_factors", "factor.symbol_metrics", "market_data.daily_prices"];
const FINAL = [RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS];

let pgServer: PrivatePostgres;
let system: System;
let baseline: { status: RunStatus; datesCompleted: number; checksums: Record<string, string> };

async function withDb<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: system.database.url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** md5 and count of each table's rows in primary-key order (every column, as text). */
function checksums(): Promise<Record<string, string>> {
  return withDb(async (c) => {
    const out: Record<string, string> = {};
    for (const t of TABLES) {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n, md5(string_agg(x::text, E'\\n' ORDER BY x.symbol, x.date)) AS h FROM ${t} x`,
      );
      out[t] = `${rows[0].n} rows, md5 ${rows[0].h}`;
    }
    return out;
  });
}

/** Empties the compared tables (and price coverage, so prices are fetched again) before a fault run. */
function resetRows(): Promise<void> {
  return withDb(async (c) => {
    await c.query(`TRUNCATE ${TABLES.join(", ")}, market_data.coverage`);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForProgress(runId: string): Promise<void> {
  for (let i = 0; i < 2400; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.datesCompleted > 0) return;
    assert.equal(run!.status, RunStatus.RUNNING, run!.errorSummary);
    await sleep(25);
  }
  throw new Error("run made no progress");
}

/** Asserts the run is still running with dates left, i.e. the fault really hits it mid-run. */
async function assertMidRun(runId: string, fault: string): Promise<string> {
  const { run } = await system.clients.coordinator.getRun({ runId });
  assert.equal(run!.status, RunStatus.RUNNING, `${fault}: the run ended before the fault`);
  assert.ok(run!.datesCompleted < run!.datesTotal, `${fault}: no dates left`);
  return `${run!.datesCompleted}/${run!.datesTotal} dates committed at the fault`;
}

async function waitForEnd(runId: string) {
  for (let i = 0; i < 3000; i++) {
    const { run } = await system.clients.coordinator.getRun({ runId });
    if (run!.status !== RunStatus.RUNNING) return run!;
    await sleep(100);
  }
  throw new Error(`run ${runId} did not finish\n${system.describe(30)}`);
}

async function assertLikeBaseline(runId: string, fault: string, t: TestContext): Promise<void> {
  const run = await waitForEnd(runId);
  t.diagnostic(`${fault}: ${RunStatus[run.status]} ${run.datesCompleted}/${run.datesTotal}; ${JSON.stringify(await checksums())}`);
  assert.ok(FINAL.includes(run.status), `${fault}: ${RunStatus[run.status]}: ${run.errorSummary}\n${system.describe(30)}`);
  assert.equal(run.status, baseline.status, `${fault}: ${run.errorSummary}`);
  assert.equal(run.datesCompleted, baseline.datesCompleted);
  assert.deepEqual(await checksums(), baseline.checksums, `${fault}: stored rows differ from the run without the fault`);
}

before(async () => {
  pgServer = await startPrivatePostgres();
  system = await startSystem({
    adminDatabaseUrl: pgServer.adminUrl,
    serviceEnv: { coordinator: { SIGMA_CHUNK_DAYS: "5" } },
  });
  const add = await system.cli(["symbols", "add", ...SYMBOLS]);
  assert.equal(add.code, 0, add.stderr);
  const { runId } = await system.clients.coordinator.runBatch(RUN);
  const run = await waitForEnd(runId);
  assert.ok(FINAL.includes(run.status), `baseline: ${run.errorSummary}`);
  baseline = { status: run.status, datesCompleted: run.datesCompleted, checksums: await checksums() };
  console.log(`baseline: ${RunStatus[run.status]} ${run.datesCompleted}/${run.datesTotal}; ${JSON.stringify(baseline.checksums)}`);
  for (const t of TABLES) assert.doesNotMatch(baseline.checksums[t]!, /^0 rows/, t);
});

after(async () => {
  await system?.stop();
  await pgServer?.destroy();
});

test("(a) the factor service killed (SIGKILL) mid-run and restarted after 2 s: the run completes with the same rows", async (t) => {
  await resetRows();
  const { runId } = await system.clients.coordinator.runBatch(RUN);
  await waitForProgress(runId);
  await system.process("factor").kill();
  t.diagnostic(await assertMidRun(runId, "factor killed"));
  await sleep(2000);
  await system.restart("factor");
  await assertLikeBaseline(runId, "factor killed", t);
});

test("(b) a run started while the factor service is down, which comes up after 4 s, completes with the same rows", async (t) => {
  await resetRows();
  await system.process("factor").stop();
  const { runId } = await system.clients.coordinator.runBatch(RUN);
  await sleep(4000);
  t.diagnostic(await assertMidRun(runId, "factor down at start"));
  await system.restart("factor");
  await assertLikeBaseline(runId, "factor down at start", t);
});

test("(c) Postgres stopped for 10 s mid-run: the run completes with the same rows", async (t) => {
  await resetRows();
  const { runId } = await system.clients.coordinator.runBatch(RUN);
  await waitForProgress(runId);
  t.diagnostic(await assertMidRun(runId, "postgres outage"));
  await pgServer.stop();
  await sleep(10_000);
  await pgServer.start();
  await assertLikeBaseline(runId, "postgres outage", t);
});
