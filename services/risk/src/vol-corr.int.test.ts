/**
 * Integration of phases 5 and 6 on real Postgres (a unique schema, dropped afterwards): the
 * ComputeVolatility / ComputeCorrelations handlers behind an in-memory Connect transport, fed the
 * independent Python reference's inputs (libs/quant/test/vectors/risk.json: the three sample
 * portfolios' daily_return series and their positions' market values, the real shared prices), then
 * read back through the store with volCorrReportPart and compared with the reference within its
 * tolerances. The snapshot service and market-data are fakes at the edge (in-memory SnapshotService,
 * a PriceSource over daily_prices.csv on the NYSE calendar, as market-data aligns it).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { addTradingDays, tradingDays } from "@sigma/calendar";
import {
  CorrelationExclusion,
  InvestmentClass,
  type PhaseCounters,
  RiskService,
  SkipReason,
  SnapshotService,
  type VolatilityStats,
  VolTrend,
} from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import { type PriceSource, RunPriceCache } from "@sigma/prices";
import { FACTOR_ETFS } from "@sigma/quant";
import { loadPricePanel } from "@sigma/quant/testing";
import { createLogger, createRoutes, createServerInterceptors, defineService } from "@sigma/runtime";
import { repoRoot } from "@sigma/testing/paths";
import type { DataSource } from "typeorm";
import { MAX_VOL_CORR_CELLS, volCorrHandlers, volCorrReportPart } from "./handlers/vol-corr-handlers.js";
import { VolCorrStore, volCorrMigrations } from "./store/vol-corr-store.js";
import { RunClaims } from "./usecases/run-claims.js";

type Num = number | null;
interface VolRowWant {
  rv21: Num;
  rv63: Num;
  har_h1: Num;
  har_h21: Num;
  trend_slope: Num;
  trend_r2: Num;
  trend: string | null;
  percentile: Num;
}
interface RiskVectors {
  tolerance: { ratio_abs: number; ratio_rel: number };
  etfs: string[];
  ewma: { date: string; cov: number[][]; corr_clipped: number[][] };
  portfolios: Record<
    string,
    {
      dates: Record<
        string,
        {
          nav: number;
          positions: { symbol: string; cls: string; market_value: number }[];
          symbol_volatility: Record<string, VolRowWant | null>;
          correlations?: {
            symbols: string[];
            excluded: { symbol: string; reason: string; n_returns: number }[];
            matrix: number[][];
            min_eigenvalue: number;
            repaired: boolean;
            average_abs_correlation: Num;
            diversification_ratio: Num;
            clusters: number[][];
          };
        }
      >;
      portfolio_returns: { dates: string[]; daily_return: Num[] };
      portfolio_volatility: Record<string, VolRowWant>;
    }
  >;
}

const V = JSON.parse(readFileSync(path.join(repoRoot, "libs/quant/test/vectors/risk.json"), "utf8")) as RiskVectors;
const CLOCK = "2020-01-23";
const NAMES = Object.keys(V.portfolios);
/** A fixed portfolio id per sample portfolio. */
const ID: Record<string, string> = Object.fromEntries(NAMES.map((n, i) => [n, `00000000-0000-4000-8000-00000000000${i + 1}`]));
const tol = (want: number) => V.tolerance.ratio_abs + V.tolerance.ratio_rel * Math.abs(want);

const CLASS: Record<string, InvestmentClass> = {
  PUBLIC: InvestmentClass.PUBLIC,
  OPTIONS: InvestmentClass.OPTIONS,
  OPTION: InvestmentClass.OPTIONS,
  PRIVATE: InvestmentClass.PRIVATE,
};

/** The in-memory snapshot service: the reference's daily_return series and position values. */
function fakeSnapshotClient() {
  const calls = { getReturnSeries: 0, getPositionValueRange: 0 };
  const transport = createRouterTransport(({ service }) => {
    service(SnapshotService, {
      async getReturnSeries(req) {
        calls.getReturnSeries++;
        const series = req.portfolioIds.map((id) => {
          const name = NAMES.find((n) => ID[n] === id);
          if (!name) throw new ConnectError(`portfolio ${id} not found`, Code.NotFound);
          const pr = V.portfolios[name]!.portfolio_returns;
          const keep = pr.dates.flatMap((date, i) => (date >= req.startDate && date <= req.endDate ? [i] : []));
          return { portfolioId: id, dates: keep.map((i) => pr.dates[i]!), dailyReturns: keep.map((i) => pr.daily_return[i] ?? 0) };
        });
        return { series };
      },
      async getPositionValueRange(req) {
        calls.getPositionValueRange++;
        const days = [];
        for (const id of req.portfolioIds) {
          const name = NAMES.find((n) => ID[n] === id);
          if (!name) continue;
          const p = V.portfolios[name]!;
          for (const date of p.portfolio_returns.dates) {
            if (date < req.startDate || date > req.endDate) continue;
            const e = p.dates[date];
            days.push({
              portfolioId: id,
              date,
              nav: e?.nav ?? 1_000_000,
              values: (e?.positions ?? []).map((x, k) => ({
                positionId: `p${k}`,
                symbol: x.symbol,
                marketValue: x.market_value,
                investmentClass: CLASS[x.cls] ?? InvestmentClass.PRIVATE,
              })),
            });
          }
        }
        return { days };
      },
    });
  });
  return { client: createClient(SnapshotService, transport), calls };
}

/** Closes from the shared price file on the NYSE calendar of the range (as market-data answers). */
function fakePrices(): PriceSource & { calls: { symbols: number; start: string; end: string }[] } {
  const panel = loadPricePanel();
  const at = new Map(panel.dates.map((d, i) => [d, i]));
  const calls: { symbols: number; start: string; end: string }[] = [];
  return {
    calls,
    async closes(symbols, startDate, endDate) {
      calls.push({ symbols: symbols.length, start: startDate, end: endDate });
      const dates = tradingDays(startDate, endDate);
      const closes = new Map<string, Float64Array>();
      for (const s of symbols) {
        const c = panel.closes.get(s);
        closes.set(
          s,
          Float64Array.from(dates, (d) => {
            const i = at.get(d);
            return c && i !== undefined ? c[i]! : NaN;
          }),
        );
      }
      return { dates, closes };
    },
  };
}

const LABEL: Record<number, string | null> = {
  [VolTrend.UNSPECIFIED]: null,
  [VolTrend.STABLE]: "stable",
  [VolTrend.INCREASING]: "increasing",
  [VolTrend.DECREASING]: "decreasing",
};

let compared = 0;
function close(got: number | undefined, want: Num, what: string): void {
  compared++;
  if (want === null) assert.equal(got, undefined, `${what}: expected null (unset), got ${got}`);
  else {
    assert.ok(got !== undefined, `${what}: expected ${want}, got unset`);
    assert.ok(Math.abs(got - want) <= tol(want), `${what}: got ${got}, expected ${want} (|diff| ${Math.abs(got - want)})`);
  }
}

function compareVol(got: VolatilityStats | undefined, want: VolRowWant, what: string): void {
  close(got?.realizedVol21d, want.rv21, `${what} rv21`);
  close(got?.realizedVol63d, want.rv63, `${what} rv63`);
  close(got?.harH1, want.har_h1, `${what} har_h1`);
  close(got?.harH21, want.har_h21, `${what} har_h21`);
  close(got?.trendSlope, want.trend_slope, `${what} trend_slope`);
  close(got?.trendR2, want.trend_r2, `${what} trend_r2`);
  close(got?.percentile, want.percentile, `${what} percentile`);
  assert.equal(LABEL[got?.trend ?? VolTrend.UNSPECIFIED], want.trend, `${what} trend`);
  compared++;
}

const skips = (c: PhaseCounters | undefined) => Object.fromEntries((c?.skipped ?? []).map((s) => [SkipReason[s.reason], Number(s.count)]));

describe("phases 5 and 6 against the Python reference on real Postgres", () => {
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const schema = `risk_vc_it_${process.pid}_${Date.now()}`;
  const logger = createLogger("risk-vc-it", { level: "silent" });
  let ds: DataSource;
  let store: VolCorrStore;
  const snapshot = fakeSnapshotClient();
  const prices = fakePrices();
  let risk: ReturnType<typeof createClient<typeof RiskService>>;

  /** Every portfolio on every snapshot date (portfolio volatility), plus one date before the first snapshot. */
  const volCells = NAMES.map((n) => ({ portfolioId: ID[n]!, dates: ["2018-12-31", ...V.portfolios[n]!.portfolio_returns.dates] }));
  const corrCells = NAMES.map((n) => ({ portfolioId: ID[n]!, dates: ["2018-12-31", ...Object.keys(V.portfolios[n]!.dates)] }));

  before(async () => {
    ds = await createDataSource({ url: databaseUrl, schema, entities: [], migrations: volCorrMigrations, applicationName: "risk-vc-it" });
    store = new VolCorrStore(ds);
    const transport = createRouterTransport(
      createRoutes({ services: [defineService(RiskService, volCorrHandlers({ store, prices, snapshot: snapshot.client, logger }))] }),
      { router: { interceptors: createServerInterceptors(logger, { mode: "dev" }) } },
    );
    risk = createClient(RiskService, transport);
  });

  after(async () => {
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    if (ds) await closeDataSource(ds);
  });

  /** Every stored row of the four tables, in key order (for idempotence). */
  async function dump(): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const [t, k] of [
      ["symbol_volatility", "symbol, date"],
      ["portfolio_volatility", "portfolio_id, date"],
      ["position_correlations", "portfolio_id, date"],
      ["factor_ewma", "date"],
    ]) {
      out.push(await ds.query(`SELECT * FROM "${schema}".${t} ORDER BY ${k}`));
    }
    return out;
  }

  it("ComputeVolatility stores the portfolio and symbol volatility of the reference within 1e-9", async () => {
    const res = await risk.computeVolatility({ cells: volCells, runId: "run-1" });
    const c = res.counters!;
    const nCells = volCells.reduce((a, x) => a + x.dates.length, 0);
    assert.equal(Number(c.inputs), nCells);
    const s = skips(c);
    assert.equal(s.NO_SNAPSHOT, NAMES.length, "2018-12-31 has no snapshot");
    // Every snapshot date gets a portfolio row; the first ~21 dates have no RV21 (not computable).
    const stored = await ds.query(`SELECT count(*)::int AS n FROM "${schema}".portfolio_volatility`);
    assert.equal(stored[0].n, nCells - NAMES.length);
    assert.ok(Number(c.outputs) > 0);
    // GGIPX and NEAIX (mutual funds) are not in the price file: reported once, never silently.
    assert.deepEqual(res.problems.map((p) => [p.symbol, SkipReason[p.reason]]).sort(), [
      ["GGIPX", "NO_PRICES"],
      ["NEAIX", "NO_PRICES"],
    ]);
    // One return-series read and one marks read for the chunk, one price read for every symbol.
    assert.equal(snapshot.calls.getReturnSeries, 1);
    assert.equal(prices.calls.length, 1);
    // Shared per-symbol work: SPY (held by two portfolios) is one row per date, not one per portfolio.
    const distinct = new Set(
      NAMES.flatMap((n) =>
        Object.entries(V.portfolios[n]!.dates).flatMap(([d, e]) => Object.keys(e.symbol_volatility).map((s) => `${s}|${d}`)),
      ),
    );
    const symRows = await ds.query(`SELECT count(*)::int AS n FROM "${schema}".symbol_volatility`);
    assert.equal(symRows[0].n, distinct.size);
    assert.equal(prices.calls[0]!.symbols, new Set([...distinct].map((k) => k.split("|")[0])).size);

    for (const name of NAMES) {
      const p = V.portfolios[name]!;
      for (const [date, want] of Object.entries(p.portfolio_volatility)) {
        const part = await volCorrReportPart(store, ID[name]!, date);
        const allNull = Object.values(want).every((v) => v === null);
        if (allNull) assert.equal(part.portfolioVolatility, undefined, `${name} ${date}: nothing computable → unset`);
        compareVol(part.portfolioVolatility, want, `${name} portfolio ${date}`);
      }
      for (const [date, e] of Object.entries(p.dates)) {
        const part = await volCorrReportPart(store, ID[name]!, date);
        assert.deepEqual(
          part.positionVolatility.map((x) => x.symbol).sort(),
          Object.keys(e.symbol_volatility).sort(),
          `${name} ${date} symbols`,
        );
        for (const [sym, want] of Object.entries(e.symbol_volatility)) {
          const got = part.positionVolatility.find((x) => x.symbol === sym)!.stats;
          const none: VolRowWant = {
            rv21: null,
            rv63: null,
            har_h1: null,
            har_h21: null,
            trend_slope: null,
            trend_r2: null,
            trend: null,
            percentile: null,
          };
          compareVol(got, want ?? none, `${name} ${date} ${sym}`);
        }
      }
    }
  });

  it("ComputeCorrelations stores the position correlations and factor EWMA of the reference within 1e-9", async () => {
    const res = await risk.computeCorrelations({ cells: corrCells, runId: "run-1" });
    const c = res.counters!;
    const s = skips(c);
    assert.equal(
      Number(c.inputs),
      corrCells.reduce((a, x) => a + x.dates.length, 0),
    );
    assert.equal(s.NO_SNAPSHOT, NAMES.length);
    // Two NO_RETURNS (GGIPX, NEAIX) on each of the two dates of balanced-5m.
    assert.equal(s.NO_RETURNS, 4);
    assert.equal(prices.calls.length, 2, "one price read for the whole chunk");
    // Outputs: 3 portfolios × 2 dates with a matrix + the EWMA on the 3 requested dates.
    assert.equal(Number(c.outputs), NAMES.length * 2 + 3);
    assert.equal(s.INSUFFICIENT_HISTORY, undefined);

    for (const name of NAMES) {
      const want = V.portfolios[name]!.dates[CLOCK]!.correlations!;
      const got = (await volCorrReportPart(store, ID[name]!, CLOCK)).correlations!;
      assert.ok(got, `${name}: correlations stored`);
      assert.deepEqual(got.included, want.symbols);
      assert.deepEqual(
        got.excluded.map((x) => ({ symbol: x.symbol, reason: CorrelationExclusion[x.reason], n_returns: x.nReturns })),
        want.excluded,
      );
      assert.deepEqual(
        got.clusters.map((k) => k.symbols),
        want.clusters.map((k) => k.map((i) => want.symbols[i]!)),
      );
      assert.equal(got.psdRepaired, want.repaired);
      const m = want.symbols.length;
      assert.equal(got.matrix.length, m * m);
      for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) close(got.matrix[i * m + j], want.matrix[i]![j]!, `${name} matrix ${i},${j}`);
      close(got.minEigenvalue, want.min_eigenvalue, `${name} min eigenvalue`);
      close(got.avgAbsCorr, want.average_abs_correlation, `${name} avg |rho|`);
      close(got.diversificationRatio, want.diversification_ratio, `${name} diversification ratio`);
    }

    const f = (await volCorrReportPart(store, ID[NAMES[0]!]!, V.ewma.date)).factorCorrelations!;
    assert.deepEqual(f.etfs, V.etfs);
    assert.deepEqual(f.etfs, [...FACTOR_ETFS]);
    const d = V.etfs.length;
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        close(f.covariance[a * d + b], V.ewma.cov[a]![b]!, `ewma cov ${a},${b}`);
        close(f.correlation[a * d + b], V.ewma.corr_clipped[a]![b]!, `ewma corr_clipped ${a},${b}`);
      }
    }
    // A date without a snapshot has no portfolio rows, but its factor EWMA exists (prices start 2017-01-03).
    const early = await volCorrReportPart(store, ID[NAMES[0]!]!, "2018-12-31");
    assert.equal(early.correlations, undefined);
    assert.equal(early.portfolioVolatility, undefined);
    assert.ok(early.factorCorrelations);
  });

  it("recomputing both phases writes identical rows (idempotent replace)", async () => {
    const before = await dump();
    const v = await risk.computeVolatility({ cells: volCells, runId: "run-2" });
    const k = await risk.computeCorrelations({ cells: corrCells, runId: "run-2" });
    assert.deepEqual(await dump(), before);
    assert.ok(Number(v.counters!.outputs) > 0 && Number(k.counters!.outputs) > 0);
  });

  it("a run computes shared rows once: its later calls store only their portfolio rows, from cached closes", async () => {
    const before = await dump();
    const shared = createClient(
      RiskService,
      createRouterTransport(
        createRoutes({
          services: [
            defineService(
              RiskService,
              volCorrHandlers({
                store,
                prices,
                priceCaches: { volatility: new RunPriceCache(prices), correlations: new RunPriceCache(prices) },
                claims: new RunClaims(),
                snapshot: snapshot.client,
                logger,
              }),
            ),
          ],
        }),
        { router: { interceptors: createServerInterceptors(logger, { mode: "dev" }) } },
      ),
    );
    const reads = prices.calls.length;
    const v1 = await shared.computeVolatility({ cells: volCells, runId: "run-shared" });
    const k1 = await shared.computeCorrelations({ cells: corrCells, runId: "run-shared" });
    assert.deepEqual(await dump(), before, "the first calls of the run store what unshared calls store");
    const afterFirst = prices.calls.length;
    assert.equal(afterFirst - reads, 2, "one read of closes per phase");
    // The same cells again in the same run (e.g. another item holding the same symbols on the same dates).
    const v2 = await shared.computeVolatility({ cells: volCells, runId: "run-shared" });
    const k2 = await shared.computeCorrelations({ cells: corrCells, runId: "run-shared" });
    assert.deepEqual(await dump(), before, "nothing shared was deleted or changed");
    assert.equal(prices.calls.length, afterFirst, "the run's closes come from its caches");
    const portfolioRows = (await ds.query(`SELECT count(*)::int AS n FROM "${schema}".portfolio_volatility WHERE rv21 IS NOT NULL`))[0].n;
    assert.equal(Number(v2.counters!.outputs), portfolioRows, "symbol rows are not recomputed");
    assert.ok(Number(v1.counters!.outputs) > portfolioRows);
    const ewmaRows = (await ds.query(`SELECT count(*)::int AS n FROM "${schema}".factor_ewma`))[0].n;
    assert.ok(ewmaRows > 0);
    assert.equal(Number(k1.counters!.outputs) - Number(k2.counters!.outputs), ewmaRows, "EWMA dates are not recomputed");
    assert.deepEqual(v2.problems, [], "NO_PRICES was reported by the call that computed the symbol");
    // Another run computes everything again.
    const v3 = await shared.computeVolatility({ cells: volCells, runId: "run-other" });
    assert.equal(Number(v3.counters!.outputs), Number(v1.counters!.outputs));
  });

  it("an EWMA date without 252 factor returns is an INSUFFICIENT_HISTORY skip, not a failure", async () => {
    const res = await risk.computeCorrelations({ cells: [{ portfolioId: ID[NAMES[0]!]!, dates: ["2017-06-30"] }], runId: "" });
    const s = skips(res.counters);
    assert.equal(s.INSUFFICIENT_HISTORY, 1);
    assert.equal(s.NO_SNAPSHOT, 1);
    assert.equal(Number(res.counters!.outputs), 0, "eligible inputs with no output are visible as outputs 0");
    assert.equal((await volCorrReportPart(store, ID[NAMES[0]!]!, "2017-06-30")).factorCorrelations, undefined);
  });

  it("rejects too many cells, a too-wide span and malformed ids or dates with INVALID_ARGUMENT", async () => {
    const dates = tradingDays("2016-01-04", addTradingDays("2016-01-04", 999));
    const many = Array.from({ length: Math.ceil(MAX_VOL_CORR_CELLS / dates.length) + 1 }, (_, i) => ({
      portfolioId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      dates,
    }));
    const invalid = (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument;
    await assert.rejects(
      risk.computeVolatility({ cells: many, runId: "" }),
      (e) => invalid(e) && /exceed the limit/.test((e as ConnectError).rawMessage),
    );
    await assert.rejects(risk.computeCorrelations({ cells: many, runId: "" }), invalid);
    await assert.rejects(
      risk.computeCorrelations({ cells: [{ portfolioId: ID[NAMES[0]!]!, dates: ["2010-01-04", "2020-01-23"] }], runId: "" }),
      (e) => invalid(e) && /trading dates/.test((e as ConnectError).rawMessage),
    );
    await assert.rejects(risk.computeVolatility({ cells: [{ portfolioId: "nope", dates: ["2020-13-01"] }], runId: "" }), invalid);
    await assert.rejects(risk.computeVolatility({ cells: [], runId: "" }), invalid);
  });

  it("deletePortfolio removes only that portfolio's rows", async () => {
    const id = ID[NAMES[1]!]!;
    const n = await store.deletePortfolio(id);
    assert.equal(n, V.portfolios[NAMES[1]!]!.portfolio_returns.dates.length + 2);
    const part = await volCorrReportPart(store, id, CLOCK);
    assert.equal(part.portfolioVolatility, undefined);
    assert.equal(part.correlations, undefined);
    assert.ok(part.factorCorrelations, "the shared factor EWMA stays");
    assert.ok((await volCorrReportPart(store, ID[NAMES[0]!]!, CLOCK)).correlations);
  });

  it("the store round-trips awkward values exactly: NaN/NULL, subnormals, ±∞, quoted symbols, an empty matrix", async () => {
    const id = "00000000-0000-4000-8000-0000000000ff";
    const date = "2020-01-22";
    const tricky = [1 / 3, -0, 5e-324, -1.7976931348623157e308, 0.1 + 0.2, 1e-300, Math.PI, -2.5e-17, 0.95];
    const sym = ['A"B', "C\\D", "E,F", "{G}", "h i", "NULL"];
    const m = sym.length;
    const matrix = Float64Array.from({ length: m * m }, (_, k) => tricky[k % tricky.length]!);
    const rowA = {
      portfolioId: id,
      date,
      included: sym,
      matrix,
      clusterOf: Int32Array.of(0, -1, 1, 0, 1, -1),
      excluded: [
        { symbol: "ZZ", reason: "FEW_RETURNS" as const, nReturns: 29 },
        { symbol: "YY", reason: "BELOW_MIN_VALUE" as const, nReturns: 0 },
      ],
      psdRepaired: true,
      minEigenvalue: -1.2345678901234568e-10,
      avgAbsCorr: NaN,
      diversificationRatio: 1 / 7,
    };
    const rowB = {
      ...rowA,
      date: "2020-01-21",
      included: [],
      matrix: new Float64Array(0),
      clusterOf: new Int32Array(0),
      excluded: [],
      psdRepaired: false,
      minEigenvalue: NaN,
      diversificationRatio: NaN,
    };
    const ewmaVals = Float64Array.from({ length: 64 }, (_, k) => (k === 9 ? NaN : k === 10 ? Infinity : tricky[k % tricky.length]!));
    const w = await store.replaceCorrelations(
      [
        { portfolioId: id, date },
        { portfolioId: id, date: rowB.date },
      ],
      [rowA, rowB],
      ["2001-01-02"],
      [{ date: "2001-01-02", cov: ewmaVals, corrClipped: ewmaVals.map((v) => -v) }],
    );
    assert.deepEqual(w, { correlationRows: 2, ewmaRows: 1 });
    const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
      assert.equal(a.length, b.length, what);
      for (let i = 0; i < a.length; i++)
        assert.ok(Object.is(a[i], b[i]) || (a[i] === 0 && b[i] === 0), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
    };
    const a = (await store.readCorrelations(id, date))!;
    assert.deepEqual(a.included, sym);
    same(a.matrix, matrix, "matrix");
    assert.deepEqual(Array.from(a.clusterOf), Array.from(rowA.clusterOf));
    assert.deepEqual(a.excluded, rowA.excluded);
    assert.equal(a.psdRepaired, true);
    assert.ok(Object.is(a.minEigenvalue, rowA.minEigenvalue) && Number.isNaN(a.avgAbsCorr) && a.diversificationRatio === 1 / 7);
    const b = (await store.readCorrelations(id, rowB.date))!;
    assert.deepEqual([b.included, b.matrix.length, b.excluded, b.psdRepaired], [[], 0, [], false]);
    assert.ok(Number.isNaN(b.minEigenvalue) && Number.isNaN(b.diversificationRatio));
    const e = (await store.readFactorEwma("2001-01-02"))!;
    same(e.cov, ewmaVals, "cov");
    same(
      e.corrClipped,
      ewmaVals.map((v) => -v),
      "corr",
    );
    // Through the report: NaN scalars are unset optionals, clusters come back as symbol lists.
    const part = await volCorrReportPart(store, id, date);
    assert.equal(part.correlations!.avgAbsCorr, undefined);
    assert.equal(part.correlations!.diversificationRatio, 1 / 7);
    assert.deepEqual(
      part.correlations!.clusters.map((c) => c.symbols),
      [
        ['A"B', "{G}"],
        ["E,F", "h i"],
      ],
    );
    assert.deepEqual(
      part.correlations!.excluded.map((x) => [x.symbol, x.reason, x.nReturns]),
      [
        ["ZZ", CorrelationExclusion.FEW_RETURNS, 29],
        ["YY", CorrelationExclusion.BELOW_MIN_VALUE, 0],
      ],
    );
    // Volatility: a row with some values, one with none (stored, read back as "nothing computable").
    const stats = { rv21: 0.2, rv63: NaN, harH1: 5e-324, harH21: 0, trend: 1, trendSlope: -1e-3, trendR2: NaN, percentile: 0 };
    await store.replaceVolatility(
      [{ portfolioId: id, date }],
      [{ portfolioId: id, date, stats, symbols: ['A"B', "NOROW"] }],
      [{ symbol: 'A"B', date, stats }],
    );
    const pv = (await store.readPortfolioVolatility(id, date))!;
    assert.deepEqual(pv.symbols, ['A"B', "NOROW"]);
    for (const [k, v] of Object.entries(stats)) assert.ok(Object.is(pv.stats[k as keyof typeof stats], v), k);
    const rep = await volCorrReportPart(store, id, date);
    assert.equal(rep.portfolioVolatility!.trend, VolTrend.STABLE);
    assert.equal(rep.portfolioVolatility!.realizedVol63d, undefined);
    assert.equal(rep.portfolioVolatility!.harH21, 0);
    assert.deepEqual(
      rep.positionVolatility.map((x) => [x.symbol, x.stats?.realizedVol21d, x.stats?.trend]),
      [
        ['A"B', 0.2, VolTrend.STABLE],
        ["NOROW", undefined, VolTrend.UNSPECIFIED],
      ],
    );
    await store.deletePortfolio(id);
  });

  it("compared values", (t) => {
    t.diagnostic(`${compared} values compared with the reference`);
    assert.ok(compared > 1000);
  });
});
