/**
 * Integration: the coordinator at portfolio scope (SPEC §4) over real services in-process — market
 * data (CSV provider on the shared prices), factor and snapshot services, all on real Postgres in
 * unique schemas dropped afterwards, JWT auth, the clock pinned to 2020-01-23. Onboarding runs the
 * scoped backfill through phases 1–2.5; the stored snapshots must equal the independent Python
 * reference (services/snapshot/test/vectors/snapshots.json). The risk service (phases 3–6, stress)
 * is an edge double served over real gRPC here (one row per cell it is given): its analytics are
 * tested against their own reference in the risk service's tests and the e2e tests.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { CoordinatorService, Phase, RiskService, type RunEvent, RunSource, RunStatus, SnapshotService } from "@sigma/contracts";
import { createMemoryBus } from "@sigma/events";
import { loadFactorConfig, startFactor } from "@sigma/factor-service";
import { loadMarketDataConfig, startMarketData } from "@sigma/market-data-service";
import { createLogger, createServiceClient, defineService, issueToken, serve } from "@sigma/runtime";
import { loadSnapshotConfig, startSnapshot } from "@sigma/snapshot-service";
import pg from "pg";
import { loadCoordinatorConfig, startCoordinator } from "./app.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const shared = process.env.SIGMA_SHARED_DIR ?? path.resolve(repoRoot, "../shared");
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const suffix = `${process.pid}_${randomBytes(3).toString("hex")}`;
const schemas = { md: `md_pr_${suffix}`, factor: `factor_pr_${suffix}`, snapshot: `snap_pr_${suffix}`, coordinator: `coord_pr_${suffix}` };
const END = "2020-01-23";
const MISSING = "00000000-0000-4000-8000-000000000000";
const reference = JSON.parse(readFileSync(path.join(repoRoot, "services/snapshot/test/vectors/snapshots.json"), "utf8")) as {
  portfolios: Record<string, { snapshots: Record<string, number | string | null>[] }>;
};
const csvOf = (name: string) => readFileSync(path.join(shared, `data/portfolios/${name}.csv`));
const camel = (k: string) => k.replace(/_(\d|[a-z])/g, (_m, c: string) => c.toUpperCase());
const MONEY = ["nav", "cash", "long_value", "short_value", "gross_exposure", "net_exposure", "daily_pnl", "cumulative_pnl"];
const COUNTS = ["num_positions", "num_long", "num_short", "num_stale", "num_unpriced", "num_private"];
const codeOf = (code: Code) => (e: unknown) => ConnectError.from(e).code === code;

describe("coordinator at portfolio scope over real market-data, factor and snapshot services", () => {
  const logger = createLogger("portfolio-runs-it", { level: "silent" });
  const secret = randomBytes(32).toString("hex");
  const bus = createMemoryBus();
  const closers: (() => Promise<void>)[] = [];
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let coord: Awaited<ReturnType<typeof startCoordinator>>;
  type CoordClient = ReturnType<typeof createServiceClient<typeof CoordinatorService>>;
  let alice: CoordClient;
  let bob: CoordClient;
  let admin: CoordClient;
  let snapshots: ReturnType<typeof createServiceClient<typeof SnapshotService>>;
  let balanced = "";

  before(async () => {
    const env = { PORT: "0", HOST: "127.0.0.1", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, DATABASE_URL: databaseUrl, SIGMA_AS_OF: END };
    const prices = `csv:${path.join(shared, "data/prices/daily_prices.csv")}`;
    const md = await startMarketData(loadMarketDataConfig({ ...env, DB_SCHEMA: schemas.md, SIGMA_PRICES: prices }), { logger });
    closers.unshift(() => md.close());
    const factor = await startFactor(loadFactorConfig({ ...env, DB_SCHEMA: schemas.factor, SIGMA_MARKET_DATA_URL: md.url }), { logger });
    closers.unshift(() => factor.close());
    const snap = await startSnapshot(loadSnapshotConfig({ ...env, DB_SCHEMA: schemas.snapshot, SIGMA_MARKET_DATA_URL: md.url }), {
      logger,
    });
    closers.unshift(() => snap.close());
    // One row per (portfolio, date) cell; stress one result per portfolio.
    const perCell = async (req: { cells: { dates: string[] }[] }) => {
      const n = BigInt(req.cells.reduce((a, c) => a + c.dates.length, 0));
      return { counters: { inputs: n, outputs: n, skipped: [] }, problems: [] };
    };
    const risk = await serve({
      name: "risk",
      port: 0,
      host: "127.0.0.1",
      logger,
      auth: { mode: "jwt", secret },
      services: [
        defineService(RiskService, {
          computePositionBetas: perCell,
          computeFactorExposures: perCell,
          computeVolatility: perCell,
          computeCorrelations: perCell,
          async computeStress(req) {
            const n = BigInt(req.portfolioIds.length);
            return { counters: { inputs: n, outputs: n, skipped: [] }, problems: [] };
          },
          async deletePortfolioRisk() {
            return { rowsDeleted: 0n };
          },
        }),
      ],
    });
    closers.unshift(() => risk.close());
    const cfg = loadCoordinatorConfig(
      {
        ...env,
        DB_SCHEMA: schemas.coordinator,
        SIGMA_MARKET_DATA_URL: md.url,
        SIGMA_FACTOR_URL: factor.url,
        SIGMA_SNAPSHOT_URL: snap.url,
        SIGMA_RISK_URL: risk.url,
        SIGMA_LEASE_TTL_MS: "3000",
        SIGMA_HEARTBEAT_MS: "500",
        SIGMA_CHUNK_DAYS: "21",
      },
      { requireNats: false },
    );
    coord = await startCoordinator(cfg, { logger, publisher: bus });
    closers.unshift(() => coord.close(5000));
    const client = async (sub: string, roles: ("user" | "admin")[]) => {
      const token = await issueToken(secret, sub, roles, "1h");
      return createServiceClient(CoordinatorService, coord.url, { token: async () => token, timeoutMs: 120_000 });
    };
    alice = await client("alice", ["user"]);
    bob = await client("bob", ["user"]);
    admin = await client("ops", ["user", "admin"]);
    const adminToken = await issueToken(secret, "ops", ["user", "admin"], "1h");
    snapshots = createServiceClient(SnapshotService, snap.url, { token: async () => adminToken, timeoutMs: 120_000 });
  });

  after(async () => {
    for (const c of closers) await c();
    for (const s of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
  });

  const finished = async (runId: string) => {
    await coord.coordinator.waitFor(runId);
    return coord.coordinator.getRun(runId);
  };
  const eventsOf = async (runId: string): Promise<RunEvent[]> => {
    const ac = new AbortController();
    const out: RunEvent[] = [];
    setTimeout(() => ac.abort(), 200);
    for await (const { event } of bus.subscribe({ afterSeq: 0, signal: ac.signal, runId })) out.push(event);
    return out;
  };
  const checksum = async (id: string) =>
    (
      await pool.query(
        `SELECT md5(string_agg(t::text, '|' ORDER BY date)) AS h, count(*)::int AS n, count(DISTINCT date)::int AS d
           FROM ${schemas.snapshot}.snapshots t WHERE portfolio_id = $1`,
        [id],
      )
    ).rows[0] as { h: string; n: number; d: number };

  it("a rejected file is an answer listing every problem, with no id and no run", async () => {
    const res = await alice.onboardPortfolio({ csv: readFileSync(path.join(shared, "data/portfolios/bad/not-a-number.csv")), name: "bad" });
    assert.equal(res.portfolioId, "");
    assert.equal(res.runId, "");
    assert.ok(res.errors.length > 0 && res.errors.every((e) => e.code > 0 && e.message));
    assert.deepEqual(await coord.coordinator.listRuns(10), []);
  });

  it("onboarding balanced-5m backfills it: completed_with_warnings (GGIPX, NEAIX), snapshots equal the reference, position values on the last date", async () => {
    const res = await alice.onboardPortfolio({ csv: csvOf("balanced-5m"), name: "balanced-5m" });
    assert.deepEqual(res.errors, []);
    assert.ok(res.portfolioId && res.runId);
    balanced = res.portfolioId;
    const run = await finished(res.runId);
    assert.equal(run.status, "completed_with_warnings", run.errorSummary);
    assert.equal(run.scope, `portfolio:${balanced}`);
    assert.equal(run.portfolioId, balanced);
    assert.equal(run.source, "onboarding");
    assert.deepEqual([run.startDate, run.endDate, run.datesTotal, run.datesCompleted], ["2019-01-02", END, 267, 267]);
    assert.deepEqual([...new Set(run.problems.map((p) => p.symbol))].sort(), ["GGIPX", "NEAIX"]);
    const byPhase = new Map(run.phases.map((p) => [p.phase, p]));
    assert.equal(byPhase.get(Phase.SNAPSHOTS)!.state, "completed");
    assert.equal(byPhase.get(Phase.SNAPSHOTS)!.counters.outputs, 267);
    assert.equal(byPhase.get(Phase.POSITION_VALUES)!.state, "completed");
    assert.ok(byPhase.get(Phase.POSITION_VALUES)!.counters.outputs > 0);
    for (const phase of [Phase.POSITION_BETAS, Phase.FACTOR_EXPOSURES, Phase.VOLATILITY, Phase.CORRELATIONS]) {
      const p = byPhase.get(phase)!;
      assert.deepEqual([p.state, p.counters.inputs, p.counters.outputs], ["completed", 1, 267], Phase[phase]);
    }
    assert.deepEqual([byPhase.get(Phase.STRESS_TESTS)!.state, byPhase.get(Phase.STRESS_TESTS)!.counters.outputs], ["completed", 1]);
    const started = (await eventsOf(res.runId)).find((e) => e.payload.case === "runStarted");
    assert.equal(started?.payload.case === "runStarted" && started.payload.value.owner, "alice");
    // Every event of a portfolio run names its portfolio (the status service's per-portfolio view and access).
    assert.ok((await eventsOf(res.runId)).every((e) => e.portfolioIds.length === 1 && e.portfolioIds[0] === balanced));

    const got = (await snapshots.getSnapshots({ portfolioId: balanced, startDate: "2019-01-01", endDate: END })).snapshots;
    const want = reference.portfolios["balanced-5m"]!.snapshots;
    assert.deepEqual(
      got.map((r) => r.date),
      tradingDays("2019-01-02", END),
    );
    assert.equal(got.length, want.length);
    got.forEach((row, k) => {
      const w = want[k]!;
      assert.equal(row.date, w.date);
      const tol = 1e-6 * Math.abs(w.nav as number);
      for (const key of MONEY) {
        const g = (row as unknown as Record<string, number>)[camel(key)]!;
        assert.ok(Math.abs(g - (w[key] as number)) <= tol, `${row.date} ${key}: ${g} vs ${w[key]}`);
      }
      for (const key of COUNTS) assert.equal((row as unknown as Record<string, number>)[camel(key)], w[key], `${row.date} ${key}`);
    });
    const pv = await snapshots.getPositionValues({ portfolioId: balanced, date: END });
    assert.equal(pv.date, END);
    assert.ok(pv.values.length > 0);
  });

  it("a second RunBatch is already up to date (no run); a forced range rerun leaves the same rows, no duplicate", async () => {
    const again = await alice.runBatch({ portfolioId: balanced, source: RunSource.MANUAL });
    assert.equal(again.alreadyUpToDate, true);
    assert.equal(again.runId, "");
    assert.match(again.message, /already up to date/);
    const before = await checksum(balanced);
    assert.deepEqual([before.n, before.d], [267, 267]);
    const forced = await alice.runBatch({
      portfolioId: balanced,
      source: RunSource.MANUAL,
      forceRerun: true,
      startDate: "2019-06-03",
      endDate: "2019-07-31",
    });
    const run = await finished(forced.runId);
    assert.equal(run.status, "completed_with_warnings", run.errorSummary);
    assert.equal(run.datesTotal, tradingDays("2019-06-03", "2019-07-31").length);
    assert.equal(run.phases.find((p) => p.phase === Phase.SNAPSHOTS)!.counters.outputs, run.datesTotal);
    assert.deepEqual(await checksum(balanced), before);
  });

  it("per-date filtering: a portfolio 2 days behind gets exactly its 2 cells in a dry run, scoped or universe", async () => {
    await pool.query(`DELETE FROM ${schemas.snapshot}.snapshots WHERE portfolio_id = $1 AND date > '2020-01-21'`, [balanced]);
    const want = [
      { portfolioId: balanced, date: "2020-01-22" },
      { portfolioId: balanced, date: "2020-01-23" },
    ];
    const scoped = await alice.runBatch({ portfolioId: balanced, source: RunSource.MANUAL, dryRun: true });
    assert.deepEqual(
      scoped.cells.map((c) => ({ portfolioId: c.portfolioId, date: c.date })),
      want,
    );
    assert.deepEqual([scoped.runId, scoped.dryRun, scoped.datesTotal], ["", true, 2]);
    const universe = await admin.runBatch({ source: RunSource.ADMIN, dryRun: true });
    assert.deepEqual(
      universe.cells.map((c) => ({ portfolioId: c.portfolioId, date: c.date })),
      want,
    );
    // Nothing ran: the rows stay missing until a real run.
    assert.equal((await checksum(balanced)).n, 265);
    const fill = await alice.runBatch({ portfolioId: balanced, source: RunSource.MANUAL });
    const run = await finished(fill.runId);
    assert.deepEqual([run.startDate, run.endDate, run.datesTotal], ["2020-01-22", END, 2]);
    assert.equal((await checksum(balanced)).n, 267);
  });

  it("access: only the owner or an admin runs or removes a portfolio; a missing one looks the same to others", async () => {
    for (const portfolioId of [balanced, MISSING]) {
      await assert.rejects(bob.runBatch({ portfolioId, source: RunSource.MANUAL, dryRun: true }), codeOf(Code.PermissionDenied));
      await assert.rejects(bob.removePortfolio({ portfolioId }), codeOf(Code.PermissionDenied));
    }
    await assert.rejects(alice.runBatch({ portfolioId: "nope", source: RunSource.MANUAL }), codeOf(Code.InvalidArgument));
    await assert.rejects(alice.removePortfolio({ portfolioId: "nope" }), codeOf(Code.InvalidArgument));
    await assert.rejects(bob.runBatch({ source: RunSource.MANUAL, dryRun: true }), codeOf(Code.PermissionDenied));
    await assert.rejects(admin.runBatch({ portfolioId: MISSING, source: RunSource.ADMIN, dryRun: true }), codeOf(Code.NotFound));
    const asAdmin = await admin.runBatch({ portfolioId: balanced, source: RunSource.ADMIN });
    assert.equal(asAdmin.alreadyUpToDate, true);
    // Run records: the owner reads its portfolio's runs, another user gets PERMISSION_DENIED for them and for missing ids.
    const [own] = await coord.coordinator.listRuns(1);
    assert.equal((await alice.getRun({ runId: own!.id })).run?.portfolioId, balanced);
    for (const runId of [own!.id, "00000000-0000-4000-8000-00000000abcd"]) {
      await assert.rejects(bob.getRun({ runId }), codeOf(Code.PermissionDenied));
    }
  });

  it("two onboardings run concurrently, a universe run conflicts with both; removal waits for the run, then every row goes", async () => {
    const [a, b] = await Promise.all([
      alice.onboardPortfolio({ csv: csvOf("long-short"), name: "long-short" }),
      bob.onboardPortfolio({ csv: csvOf("private-and-options"), name: "private-and-options" }),
    ]);
    assert.ok(a.runId && b.runId, "both backfills started (neither got ALREADY_EXISTS)");
    const universe = await admin.runBatch({ source: RunSource.ADMIN }).then(
      () => assert.fail("a universe run started during the onboardings"),
      (e) => ConnectError.from(e),
    );
    assert.equal(universe.code, Code.AlreadyExists);
    assert.ok(universe.message.includes(a.runId) || universe.message.includes(b.runId), universe.message);
    const during = await bob.removePortfolio({ portfolioId: b.portfolioId }).then(
      () => assert.fail("removed during its run"),
      (e) => ConnectError.from(e),
    );
    assert.equal(during.code, Code.FailedPrecondition);
    assert.ok(during.message.includes(b.runId), during.message);

    const [ra, rb] = await Promise.all([finished(a.runId), finished(b.runId)]);
    assert.notEqual(ra.status, "failed", ra.errorSummary);
    assert.notEqual(rb.status, "failed", rb.errorSummary);
    assert.equal((await checksum(a.portfolioId)).n, 267);
    assert.equal((await checksum(b.portfolioId)).n, 267);

    const removed = await bob.removePortfolio({ portfolioId: b.portfolioId });
    assert.equal(removed.portfolioId, b.portfolioId);
    assert.equal(Number(removed.snapshotsDeleted), 267);
    assert.equal(Number(removed.positionsDeleted), 8);
    const left = await pool.query(
      `SELECT (SELECT count(*) FROM ${schemas.snapshot}.snapshots WHERE portfolio_id = $1)::int
            + (SELECT count(*) FROM ${schemas.snapshot}.positions WHERE portfolio_id = $1)::int
            + (SELECT count(*) FROM ${schemas.snapshot}.position_marks WHERE portfolio_id = $1)::int
            + (SELECT count(*) FROM ${schemas.snapshot}.portfolios WHERE id = $1)::int AS n`,
      [b.portfolioId],
    );
    assert.equal(left.rows[0].n, 0);
    await assert.rejects(admin.removePortfolio({ portfolioId: b.portfolioId }), codeOf(Code.NotFound));
    const { run } = await admin.getRun({ runId: a.runId });
    assert.equal(run?.runStatus === RunStatus.COMPLETED || run?.runStatus === RunStatus.COMPLETED_WITH_WARNINGS, true);
  });
});
