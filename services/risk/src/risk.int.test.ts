/**
 * Integration: the risk service on real Postgres (a unique schema, dropped afterwards) over real gRPC
 * with JWT auth; its peers are fakes at the edge — the reference vectors' marks and betas
 * (libs/quant/test/vectors/risk.json) and the shared real price file for the factor EWMA. Exposures
 * and the 22 stress scenarios read back over RPC must equal the independent Python reference.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Code, type ConnectError } from "@connectrpc/connect";
import { FACTORS, RiskService, SkipReason, type StressResult } from "@sigma/contracts";
import { FACTOR_ETFS, RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import { createLogger, createServiceClient, issueToken } from "@sigma/runtime";
import pg from "pg";
import { loadRiskConfig, startRisk } from "./app.js";
import { FakeBetas, FakeMarks, fakeDirectory, filePriceSource, loadReferencePortfolio, riskVectors } from "./testing/fakes.js";

const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const schema = `risk_it_${process.pid}_${Date.now()}`;
const secret = "risk-integration-test-secret-0123456789abcdef";
const V = riskVectors();
const D1 = "2019-06-28";
const CLOCK = "2020-01-23";
const NAMES = Object.keys(V.portfolios);
const ids = Object.fromEntries(NAMES.map((n) => [n, randomUUID()]));
const SCALED = randomUUID(); // balanced-5m with every market value and the nav × 3
const K = 3;
const GAPPY = randomUUID(); // a factor without coverage, a symbol without any beta, a date without snapshot
const LEVERED = randomUUID(); // 10x gross on a small nav: a crash loses more than the nav
const fid = (f: number) => FACTORS.find((x) => x.id === RISK_FACTOR_IDS[f])!.factor;
const ratioTol = (want: number | null) => V.tolerance.ratio_abs + V.tolerance.ratio_rel * Math.abs(want ?? 0);

function close(got: number, want: number | null, tol: number, what: string): void {
  if (want === null) assert.ok(Number.isNaN(got), `${what}: expected null, got ${got}`);
  else assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, expected ${want} (|diff| ${Math.abs(got - want)})`);
}

describe("risk service on Postgres against the Python reference", () => {
  const logger = createLogger("risk-it", { level: "silent" });
  const marks = new FakeMarks();
  const betas = new FakeBetas();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  let service: Awaited<ReturnType<typeof startRisk>>;
  let admin: ReturnType<typeof createServiceClient<typeof RiskService>>;
  let owner: ReturnType<typeof createServiceClient<typeof RiskService>>;
  let stranger: ReturnType<typeof createServiceClient<typeof RiskService>>;

  before(async () => {
    NAMES.forEach((n) => loadReferencePortfolio(V, n, ids[n]!, marks, betas));
    loadReferencePortfolio(V, "balanced-5m", SCALED, marks, betas, K);
    const b = (vals: number[]) => Float64Array.from(vals);
    const full = b(RISK_FACTOR_IDS.map((_, f) => 0.1 * (f + 1)));
    const noMomentum = b(RISK_FACTOR_IDS.map((id, f) => (id === "momentum" ? Number.NaN : 0.2 + 0.01 * f)));
    betas.set("AAA", D1, full);
    betas.set("AAA", CLOCK, noMomentum);
    betas.set("BBB", D1, noMomentum);
    betas.set("BBB", CLOCK, noMomentum);
    for (const date of [D1, CLOCK]) {
      marks.days_.push({
        portfolioId: GAPPY,
        date,
        nav: 1_000_000,
        positions: [
          { positionId: "a", symbol: "AAA", marketValue: 400_000, positionClass: "public" },
          { positionId: "b", symbol: "bbb", marketValue: -100_000, positionClass: "public" },
          { positionId: "c", symbol: "NOBETA", marketValue: 50_000, positionClass: "public" },
          { positionId: "p", symbol: "PRIV", marketValue: 500_000, positionClass: "private" },
          { positionId: "o", symbol: "AAA  200117C00100000", marketValue: 20_000, positionClass: "option" },
        ],
      });
    }
    marks.days_.push({
      portfolioId: LEVERED,
      date: CLOCK,
      nav: 100_000,
      positions: [{ positionId: "spy", symbol: "SPY", marketValue: 1_000_000, positionClass: "public" }],
    });
    const env = { PORT: "0", HOST: "127.0.0.1", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, DATABASE_URL: databaseUrl, DB_SCHEMA: schema };
    const owners = Object.fromEntries([...Object.values(ids), SCALED, GAPPY, LEVERED].map((id) => [id, "alice"]));
    service = await startRisk(loadRiskConfig(env), {
      logger,
      ports: { marks, betas, prices: filePriceSource(), directory: fakeDirectory(owners) },
    });
    const client = async (sub: string, roles: ("user" | "admin")[]) =>
      createServiceClient(RiskService, service.url, { token: await issueToken(secret, sub, roles, "1h"), timeoutMs: 60_000 });
    admin = await client("service:coordinator", ["user", "admin"]);
    owner = await client("alice", ["user"]);
    stranger = await client("mallory", ["user"]);
  });

  after(async () => {
    await service?.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it("phase 3 stores one packed row per portfolio-date and counts what it could not cover", async () => {
    const all = [...Object.values(ids), SCALED, GAPPY];
    const res = await admin.computePositionBetas({
      cells: [...all.map((portfolioId) => ({ portfolioId, dates: [D1, CLOCK] })), { portfolioId: LEVERED, dates: [D1, CLOCK] }],
      runId: "run-1",
    });
    // LEVERED has no snapshot on D1; GAPPY's NOBETA has no beta on 2 dates; balanced-5m's unpriced GGIPX neither.
    assert.equal(res.counters!.inputs, 2n * BigInt(all.length + 1));
    assert.equal(res.counters!.outputs, 2n * BigInt(all.length) + 1n);
    const skips = Object.fromEntries(res.counters!.skipped.map((s) => [s.reason, Number(s.count)]));
    assert.equal(skips[SkipReason.NO_SNAPSHOT], 1);
    const noBetaProblems = res.problems.filter((p) => p.reason === SkipReason.NO_BETA);
    assert.ok(noBetaProblems.some((p) => p.symbol === "NOBETA" && /2 eligible position-dates/.test(p.message)));
    assert.equal(
      skips[SkipReason.NO_BETA],
      noBetaProblems.reduce((s, p) => s + Number(/no factor beta on (\d+)/.exec(p.message)![1]), 0),
    );
    const missing = res.problems.find((p) => p.reason === SkipReason.NO_SNAPSHOT)!;
    assert.match(missing.message, new RegExp(`portfolio ${LEVERED}: no snapshot on 1 of 2 dates \\(first ${D1}\\)`));
    const stored = await pool.query(
      `SELECT count(*)::int AS n, sum(cardinality(betas))::int AS b, sum(cardinality(symbols))::int AS s FROM ${schema}.position_betas`,
    );
    assert.equal(stored.rows[0].n, 2 * all.length + 1);
    assert.equal(stored.rows[0].b, stored.rows[0].s * RISK_FACTOR_COUNT);
  });

  it("phase 4 exposures equal the reference on both dates for the three sample portfolios", async () => {
    const all = [...Object.values(ids), SCALED, GAPPY, LEVERED];
    const res = await admin.computeFactorExposures({
      cells: all.map((portfolioId) => ({ portfolioId, dates: [D1, CLOCK] })),
      runId: "run-1",
    });
    assert.equal(res.counters!.outputs, BigInt(2 * all.length - 1));
    let compared = 0;
    for (const name of NAMES) {
      for (const [date, e] of Object.entries(V.portfolios[name]!.dates)) {
        const got = await owner.getFactorExposures({ portfolioId: ids[name]!, date });
        assert.equal(got.date, date);
        assert.equal(got.nav, e.nav);
        assert.equal(got.dataQualityFailure, e.data_quality_failure);
        const money = V.tolerance.money_relative_to_nav * Math.abs(e.nav);
        RISK_FACTOR_IDS.forEach((f, j) => {
          const w = e.exposures[f]!;
          const x = got.exposures[j]!;
          assert.equal(x.factor, fid(j));
          close(x.beta, w.beta, ratioTol(w.beta), `${name} ${date} ${f} beta`);
          close(x.dollarExposure, w.dollar_exposure, money, `${name} ${date} ${f} dollars`);
          assert.equal(x.positionsCovered, w.covered, `${name} ${date} ${f} covered`);
          assert.equal(x.positionsEligible, w.eligible, `${name} ${date} ${f} eligible`);
          assert.equal(x.noCoverage, w.no_coverage, `${name} ${date} ${f} no coverage`);
          close(x.coverageByCount, w.coverage_by_count, ratioTol(w.coverage_by_count), `${name} ${date} ${f} coverage count`);
          close(x.coverageByValue, w.coverage_by_value, ratioTol(w.coverage_by_value), `${name} ${date} ${f} coverage value`);
          compared++;
        });
      }
    }
    assert.equal(compared, NAMES.length * 2 * RISK_FACTOR_COUNT);
  });

  it("a factor without coverage is a NO_COVERAGE data-quality failure, listed per portfolio", async () => {
    const res = await admin.computeFactorExposures({ cells: [{ portfolioId: GAPPY, dates: [D1, CLOCK] }], runId: "" });
    const skips = Object.fromEntries(res.counters!.skipped.map((s) => [s.reason, Number(s.count)]));
    // momentum: D1 has AAA covered; CLOCK has neither AAA nor BBB → one factor-date without coverage.
    assert.deepEqual(skips, { [SkipReason.NO_COVERAGE]: 1 });
    assert.equal(res.problems.length, 1);
    assert.equal(res.problems[0]!.reason, SkipReason.NO_COVERAGE);
    assert.equal(
      res.problems[0]!.message,
      `portfolio ${GAPPY}: no beta for momentum on 1 of 2 dates (first ${CLOCK}); 3 eligible positions (data-quality failure: exposure counted as 0)`,
    );
    const e = await admin.getFactorExposures({ portfolioId: GAPPY, date: CLOCK });
    const m = RISK_FACTOR_IDS.indexOf("momentum");
    assert.equal(e.exposures[m]!.noCoverage, true);
    assert.equal(e.exposures[m]!.beta, 0);
    assert.equal(e.exposures[m]!.positionsEligible, 3);
    assert.equal(e.dataQualityFailure, false);
    // market: AAA 0.4 × 0.2 + BBB −0.1 × 0.2 (NOBETA uncovered, private and option ineligible).
    assert.ok(Math.abs(e.exposures[0]!.beta - (0.4 * 0.2 - 0.1 * 0.2)) < 1e-15);
    assert.ok(Math.abs(e.exposures[0]!.coverageByValue - 500_000 / 550_000) < 1e-15);
  });

  it("RunStressTest: the 22 scenarios on 2020-01-23 equal the reference, direct and correlated", async () => {
    let compared = 0;
    for (const name of NAMES) {
      const e = V.portfolios[name]!.dates[CLOCK]!;
      const res = await owner.runStressTest({ portfolioId: ids[name]!, date: CLOCK, scenarioIds: ["all"] });
      const wantAll = e.stress!;
      assert.deepEqual(
        res.results.map((r) => r.scenarioId),
        Object.keys(wantAll),
      );
      const money = V.tolerance.money_relative_to_nav * Math.abs(e.nav);
      for (const r of res.results) {
        const want = wantAll[r.scenarioId]!;
        const what = `${name} ${r.scenarioId}`;
        assert.equal(r.activeByDefault, want.active_by_default, what);
        assert.equal(r.correlatedAvailable, true, what);
        assert.deepEqual(Object.fromEntries(r.shocks.map((s) => [RISK_FACTOR_IDS[s.factor - 1], s.shock])), want.shocks, what);
        close(r.directImpact, want.direct.total, money, `${what} direct total`);
        close(r.correlatedImpact, want.correlated.total, money, `${what} correlated total`);
        close(r.directPctOfNav, want.direct.pct_of_nav, ratioTol(want.direct.pct_of_nav), `${what} direct pct`);
        close(r.correlatedPctOfNav, want.correlated.pct_of_nav, ratioTol(want.correlated.pct_of_nav), `${what} correlated pct`);
        assert.equal(r.lossExceedsNav, want.direct.loss_exceeds_nav, what);
        assert.equal(r.correlatedLossExceedsNav, want.correlated.loss_exceeds_nav, what);
        assert.deepEqual(
          r.etfMoves.map((m) => m.etf),
          [...FACTOR_ETFS],
        );
        for (const m of r.etfMoves)
          close(m.move, want.correlated.etf_moves[m.etf]!, ratioTol(want.correlated.etf_moves[m.etf]!), `${what} ${m.etf}`);
        r.contributions.forEach((c, j) => {
          const f = RISK_FACTOR_IDS[j]!;
          assert.equal(c.factor, fid(j));
          close(c.directDollars, want.direct.contributions[f] ?? 0, money, `${what} direct ${f}`);
          const wc = want.correlated.contributions[f] ?? want.correlated.spread_contributions[f] ?? 0;
          close(c.correlatedDollars, wc, money, `${what} correlated ${f}`);
          assert.equal(c.shocked, f in want.shocks, `${what} ${f} shocked`);
          assert.equal(c.inTotal, !f.endsWith("_spread"), `${what} ${f} in total`);
          assert.equal(c.correlated, f !== "market", `${what} ${f} correlated`);
          if (f in want.correlated.spread_moves)
            close(c.impliedMove, want.correlated.spread_moves[f]!, ratioTol(want.correlated.spread_moves[f]!), `${what} ${f} move`);
          compared++;
        });
      }
    }
    assert.equal(compared, NAMES.length * 22 * RISK_FACTOR_COUNT);
  });

  it("scaling every market value and the nav by k scales dollars and stress totals by k, betas unchanged", async () => {
    const base = await admin.getFactorExposures({ portfolioId: ids["balanced-5m"]!, date: CLOCK });
    const scaled = await admin.getFactorExposures({ portfolioId: SCALED, date: CLOCK });
    assert.ok(Math.abs(scaled.nav - K * base.nav) <= 1e-9 * base.nav);
    base.exposures.forEach((b, j) => {
      const s = scaled.exposures[j]!;
      assert.ok(Math.abs(s.beta - b.beta) <= 1e-12 * Math.max(1, Math.abs(b.beta)), `beta ${j}`);
      assert.ok(Math.abs(s.dollarExposure - K * b.dollarExposure) <= 1e-9 * base.nav, `dollars ${j}`);
      assert.equal(s.positionsCovered, b.positionsCovered);
      assert.equal(s.coverageByValue, b.coverageByValue);
    });
    const [sb, ss] = await Promise.all(
      [ids["balanced-5m"]!, SCALED].map((portfolioId) => admin.runStressTest({ portfolioId, date: CLOCK, scenarioIds: ["all"] })),
    );
    sb!.results.forEach((r, i) => {
      const s = ss!.results[i]!;
      assert.ok(Math.abs(s.directImpact - K * r.directImpact) <= 1e-9 * base.nav, r.scenarioId);
      assert.ok(Math.abs(s.correlatedImpact - K * r.correlatedImpact) <= 1e-9 * base.nav, r.scenarioId);
      assert.ok(Math.abs(s.directPctOfNav - r.directPctOfNav) <= 1e-12, r.scenarioId);
    });
  });

  it("a loss beyond nav is flagged, never clipped", async () => {
    const res = await admin.runStressTest({ portfolioId: LEVERED, date: CLOCK, scenarioIds: ["market_crash_35", "market_down_5"] });
    const [crash, down] = res.results as [StressResult, StressResult];
    // market beta of SPY is 1 (reference betas): 10 × −35 % = −350 % of nav.
    assert.ok(Math.abs(crash.directImpact - -350_000) < 1e-6, String(crash.directImpact));
    assert.ok(Math.abs(crash.directPctOfNav - -3.5) < 1e-12);
    assert.equal(crash.lossExceedsNav, true);
    assert.equal(crash.correlatedLossExceedsNav, crash.correlatedImpact < -100_000);
    assert.equal(down.lossExceedsNav, false);
  });

  it("scenario selection: default = 19 active, unknown ids and bad custom shocks are INVALID_ARGUMENT", async () => {
    const id = ids["long-short"]!;
    const def = await admin.runStressTest({ portfolioId: id, date: "" });
    assert.equal(def.date, CLOCK);
    assert.equal(def.results.length, 19);
    assert.ok(def.results.every((r) => r.activeByDefault));
    const list = await admin.listScenarios({ includeInactive: true });
    assert.equal(list.scenarios.length, 22);
    assert.deepEqual(
      list.scenarios.filter((s) => !s.active).map((s) => s.id),
      ["financial_crisis_2008", "covid_crash_2020", "dotcom_crash_2000"],
    );
    assert.equal((await admin.listScenarios({})).scenarios.length, 19);
    const custom = await admin.runStressTest({
      portfolioId: id,
      date: CLOCK,
      customScenarios: [{ id: "my_shock", name: "mine", shocks: [{ factor: fid(0), shock: 0.05 }] }],
    });
    const ref = def.results.find((r) => r.scenarioId === "market_up_5")!;
    assert.equal(custom.results.length, 1);
    assert.equal(custom.results[0]!.activeByDefault, false);
    assert.equal(custom.results[0]!.directImpact, ref.directImpact);
    assert.equal(custom.results[0]!.correlatedImpact, ref.correlatedImpact);
    await assert.rejects(
      admin.runStressTest({ portfolioId: id, date: CLOCK, scenarioIds: ["market_up_5", "mars_attack"] }),
      (e: ConnectError) => e.code === Code.InvalidArgument && /scenario_ids\[1\]: unknown scenario "mars_attack"/.test(e.rawMessage),
    );
    await assert.rejects(
      admin.runStressTest({
        portfolioId: id,
        date: CLOCK,
        customScenarios: [
          {
            id: "x",
            name: "",
            shocks: [
              { factor: 0, shock: 0.1 },
              { factor: fid(1), shock: Number.NaN },
            ],
          },
        ],
      }),
      (e: ConnectError) =>
        e.code === Code.InvalidArgument && /unknown factor/.test(e.rawMessage) && /shock for ir must be a finite number/.test(e.rawMessage),
    );
  });

  it("ComputeStress stores the active scenarios; GetStoredStress answers exactly like RunStressTest", async () => {
    const all = [...Object.values(ids), randomUUID()];
    const res = await admin.computeStress({ portfolioIds: all, date: CLOCK, runId: "run-1" });
    assert.equal(res.counters!.inputs, BigInt(all.length));
    assert.equal(res.counters!.outputs, BigInt(19 * NAMES.length));
    assert.deepEqual(
      res.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_SNAPSHOT, 1n]],
    );
    for (const name of NAMES) {
      const live = await owner.runStressTest({ portfolioId: ids[name]!, date: CLOCK });
      const stored = await owner.getStoredStress({ portfolioId: ids[name]!, date: "" });
      assert.deepEqual(stored, { ...live, $typeName: stored.$typeName });
    }
    // Rerun replaces (no duplicates).
    await admin.computeStress({ portfolioIds: all, date: CLOCK, runId: "run-2" });
    const n = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.stress_results`);
    assert.equal(n.rows[0].n, 19 * NAMES.length);
  });

  it("GetRiskReport: latest date by default, available dates, exposures", async () => {
    const r = await owner.getRiskReport({ portfolioId: ids["private-and-options"]!, date: "" });
    assert.equal(r.date, CLOCK);
    assert.deepEqual(r.availableDates, [D1, CLOCK]);
    assert.equal(r.exposures.length, 12);
    assert.equal(r.nav, V.portfolios["private-and-options"]!.dates[CLOCK]!.nav);
    const d1 = await owner.getRiskReport({ portfolioId: ids["private-and-options"]!, date: D1 });
    assert.equal(d1.date, D1);
    await assert.rejects(
      owner.getRiskReport({ portfolioId: ids["private-and-options"]!, date: "2019-07-01" }),
      (e: ConnectError) => e.code === Code.NotFound,
    );
  });

  it("access: owners read their own, others are denied, compute needs the admin role", async () => {
    const id = ids["balanced-5m"]!;
    for (const call of [
      () => stranger.getFactorExposures({ portfolioId: id, date: CLOCK }),
      () => stranger.getRiskReport({ portfolioId: id, date: "" }),
      () => stranger.runStressTest({ portfolioId: id, date: CLOCK }),
      () => stranger.getStoredStress({ portfolioId: id, date: "" }),
      () => stranger.getFactorExposures({ portfolioId: randomUUID(), date: CLOCK }),
      () => owner.computeFactorExposures({ cells: [{ portfolioId: id, dates: [CLOCK] }], runId: "" }),
      () => owner.computeStress({ portfolioIds: [id], date: CLOCK, runId: "" }),
    ])
      await assert.rejects(call(), (e: ConnectError) => e.code === Code.PermissionDenied);
    await assert.rejects(
      admin.getFactorExposures({ portfolioId: randomUUID(), date: CLOCK }),
      (e: ConnectError) => e.code === Code.NotFound,
    );
    await assert.rejects(
      admin.computePositionBetas({ cells: [{ portfolioId: id, dates: ["2020-01-25"] }], runId: "" }),
      (e: ConnectError) => e.code === Code.InvalidArgument && /not a trading day/.test(e.rawMessage + JSON.stringify(e.details)),
    );
    await assert.rejects(
      admin.computePositionBetas({ cells: Array.from({ length: 1001 }, () => ({ portfolioId: id, dates: [CLOCK] })), runId: "" }),
      (e: ConnectError) => e.code === Code.InvalidArgument,
    );
  });

  it("DeletePortfolioRisk removes every row of the portfolio in one go", async () => {
    const id = ids["long-short"]!;
    const res = await owner.deletePortfolioRisk({ portfolioId: id });
    // 2 position-beta rows + 2 exposure rows + 19 stress rows.
    assert.equal(res.rowsDeleted, 23n);
    await assert.rejects(owner.getFactorExposures({ portfolioId: id, date: CLOCK }), (e: ConnectError) => e.code === Code.NotFound);
    const other = await owner.getFactorExposures({ portfolioId: ids["balanced-5m"]!, date: CLOCK });
    assert.equal(other.exposures.length, 12);
  });
});
