/**
 * Integration: a real market-data service (CSV provider over the shared real prices) and a real factor
 * service on port 0, both on real Postgres in unique schemas dropped afterwards. Stored betas read back
 * over RPC must equal the independent reference vectors (libs/quant/test/vectors, 1e-9).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { Code, ConnectError } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { BetaQuality, FactorService, FACTORS, MarketDataService, SkipReason } from "@sigma/contracts";
import { createLogger, createServiceClient } from "@sigma/runtime";
import { loadMarketDataConfig, startMarketData } from "@sigma/market-data-service";
import { PRICES_CSV, repoRoot } from "@sigma/testing/paths";
import { loadFactorConfig, startFactor } from "./app.js";
import { METRIC_KEYS } from "./domain/index.js";

const csv = PRICES_CSV;
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const suffix = `${process.pid}_${Date.now()}`;
const mdSchema = `md_it_${suffix}`;
const factorSchema = `factor_it_${suffix}`;

type VectorFactor = { skip?: string; beta_clipped?: number; r2?: number; n_obs: number; quality?: string };
const factorVectors = JSON.parse(readFileSync(path.join(repoRoot, "libs/quant/test/vectors/factors.json"), "utf8")) as {
  symbols: string[];
  tolerance: { abs: number; rel: number };
  rows: Record<string, Record<string, Record<string, VectorFactor>>>;
};
const metricVectors = JSON.parse(readFileSync(path.join(repoRoot, "libs/quant/test/vectors/metrics.json"), "utf8")) as {
  tolerance: { abs: number; rel: number; rsi_abs: number };
  rows: Record<string, Record<string, Record<string, number | null>>>;
};

const START = "2019-12-02";
const END = "2020-01-23";
const SYMBOLS = factorVectors.symbols;
// In ../shared prices AVP's last close is 2020-01-03 and GWR's 2019-12-27: 13 and 17 of the range's
// 36 trading dates have no close (2020-01-20 is a holiday). Each is reported once per call, never
// silently stale.
const GAPS = [
  ["AVP", SkipReason.NO_CLOSE, "no close on 13 of 36 dates (last close 2020-01-03)", "2020-01-06"],
  ["GWR", SkipReason.NO_CLOSE, "no close on 17 of 36 dates (last close 2019-12-27)", "2019-12-30"],
];

function close(actual: number, expected: number, tol: { abs: number; rel: number }, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol.abs + tol.rel * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

describe("factor service against real market-data and Postgres", () => {
  const logger = createLogger("factor-it", { level: "silent" });
  let closers: (() => Promise<void>)[] = [];
  let factor: ReturnType<typeof createServiceClient<typeof FactorService>>;
  let service: Awaited<ReturnType<typeof startFactor>>;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });

  before(async () => {
    const env = { PORT: "0", HOST: "127.0.0.1", SIGMA_AUTH: "dev", DATABASE_URL: databaseUrl };
    const md = await startMarketData(loadMarketDataConfig({ ...env, DB_SCHEMA: mdSchema, SIGMA_PRICES: `csv:${csv}` }), { logger });
    closers.push(() => md.close());
    const mdClient = createServiceClient(MarketDataService, md.url);
    // Sync from the start of the file so the 300-day lookback of the computed range is covered.
    await mdClient.syncPrices({ symbols: SYMBOLS, startDate: "2017-01-03", endDate: END, includeFactorEtfs: true, force: false });
    const svc = await startFactor(loadFactorConfig({ ...env, DB_SCHEMA: factorSchema, SIGMA_MARKET_DATA_URL: md.url }), { logger });
    service = svc;
    closers.unshift(() => svc.close());
    factor = createServiceClient(FactorService, svc.url, { timeoutMs: 120_000 });
  });

  after(async () => {
    for (const c of closers) await c();
    closers = [];
    await pool.query(`DROP SCHEMA IF EXISTS ${factorSchema} CASCADE`);
    await pool.query(`DROP SCHEMA IF EXISTS ${mdSchema} CASCADE`);
    await pool.end();
  });

  async function storedRows(table: string): Promise<number> {
    const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${factorSchema}.${table}`);
    return r.rows[0]!.n;
  }

  it("stores the reference betas, all 12 factors per symbol-date, and reruns idempotently", async () => {
    const res = await factor.computeSymbolFactors({ symbols: [...SYMBOLS, "ZZZZ"], startDate: START, endDate: END });
    const dates = tradingDays(START, END);
    assert.equal(res.counters!.inputs, BigInt(SYMBOLS.length + 1));
    // Every vector symbol has ≥ 60 returns in every spread window of the range: a row per symbol-date.
    assert.equal(res.counters!.outputs, BigInt(SYMBOLS.length * dates.length));
    assert.deepEqual(
      res.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_PRICES, 1n]],
    );
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, p.reason, p.message, p.date]),
      [["ZZZZ", SkipReason.NO_PRICES, "no close on or before 2020-01-23", ""], ...GAPS],
    );
    assert.equal(res.fits, BigInt(SYMBOLS.length * dates.length * 7));
    assert.equal(await storedRows("symbol_factors"), SYMBOLS.length * dates.length);

    const read = await factor.getSymbolFactors({ symbols: SYMBOLS, startDate: START, endDate: END });
    assert.equal(read.rows.length, SYMBOLS.length * dates.length);
    for (const row of read.rows) assert.equal(row.betas.length, 12, `${row.symbol} ${row.date} has all 12 factors`);

    let compared = 0;
    for (const [date, bySymbol] of Object.entries(factorVectors.rows)) {
      if (date < START || date > END) continue;
      for (const [symbol, byFactor] of Object.entries(bySymbol)) {
        const row = read.rows.find((r) => r.symbol === symbol && r.date === date);
        for (const info of FACTORS) {
          const v = byFactor[info.id]!;
          const b = row?.betas.find((x) => x.factor === info.factor);
          if (v.skip) {
            assert.equal(b, undefined, `${symbol} ${date} ${info.id} should be skipped`);
            continue;
          }
          assert.ok(b, `${symbol} ${date} ${info.id} stored`);
          close(b.beta, v.beta_clipped!, factorVectors.tolerance, `${symbol} ${date} ${info.id} beta`);
          close(b.r2, v.r2!, factorVectors.tolerance, `${symbol} ${date} ${info.id} r2`);
          assert.equal(b.nObs, v.n_obs);
          assert.equal(b.quality, v.quality === "FULL" ? BetaQuality.FULL : BetaQuality.LIMITED);
          compared++;
        }
      }
    }
    assert.ok(compared >= 4 * 14 * 12, `compared ${compared} reference betas`);

    const again = await factor.computeSymbolFactors({ symbols: [...SYMBOLS, "ZZZZ"], startDate: START, endDate: END });
    assert.equal(again.counters!.outputs, res.counters!.outputs);
    assert.equal(await storedRows("symbol_factors"), SYMBOLS.length * dates.length);
  });

  it("reads one date when end_date is empty, and filters factors", async () => {
    const res = await factor.getSymbolFactors({
      symbols: ["aapl", "SPY"],
      startDate: "2020-01-23",
      endDate: "",
      factors: [FACTORS[0]!.factor],
    });
    assert.deepEqual(
      res.rows.map((r) => [r.symbol, r.date, r.betas.length]),
      [
        ["AAPL", "2020-01-23", 1],
        ["SPY", "2020-01-23", 1],
      ],
    );
    // SPY regressed on itself: beta 1, r² 1 (SPEC §3).
    close(res.rows[1]!.betas[0]!.beta, 1, { abs: 1e-12, rel: 0 }, "SPY market beta");
  });

  it("serves the stored betas as a columnar panel equal to GetSymbolFactors cell by cell", async () => {
    const req = { symbols: [...SYMBOLS, "ZZZZ"], startDate: START, endDate: END, factors: [] };
    const panel = await factor.getFactorPanel(req);
    const { rows } = await factor.getSymbolFactors(req);
    const D = panel.dates.length;
    assert.deepEqual(panel.dates, tradingDays(START, END));
    assert.deepEqual(panel.symbols, [...SYMBOLS, "ZZZZ"]);
    assert.deepEqual(
      panel.columns.map((c) => c.factor),
      FACTORS.map((f) => f.factor),
    );
    const byKey = new Map(rows.map((r) => [`${r.symbol} ${r.date}`, r]));
    let cells = 0;
    for (const col of panel.columns) {
      assert.equal(col.betas.length, panel.symbols.length * D);
      panel.symbols.forEach((symbol, s) => {
        panel.dates.forEach((date, d) => {
          const i = s * D + d;
          const b = byKey.get(`${symbol} ${date}`)?.betas.find((x) => x.factor === col.factor);
          if (b === undefined) {
            assert.ok(
              Number.isNaN(col.betas[i]!) && col.nObs[i] === 0 && col.quality[i] === BetaQuality.UNSPECIFIED,
              `${symbol} ${date} empty`,
            );
            return;
          }
          assert.deepEqual(
            [col.betas[i], col.r2[i], col.nObs[i], col.quality[i]],
            [b.beta, b.r2, b.nObs, b.quality],
            `${symbol} ${date} ${col.factor}`,
          );
          cells++;
        });
      });
    }
    assert.equal(cells, SYMBOLS.length * D * 12, "every stored beta, and ZZZZ's row all empty");
    // One factor reads only its columns from Postgres: same values as in the all-factor panel.
    const ir = await factor.getFactorPanel({ ...req, factors: [FACTORS[1]!.factor] });
    assert.equal(ir.columns.length, 1);
    assert.deepEqual(ir.columns[0], panel.columns[1]);
  });

  it("stores the reference metrics (null where history is short or there is no close)", async () => {
    const res = await factor.computeSymbolMetrics({ symbols: SYMBOLS, startDate: START, endDate: END });
    const rows = await storedRows("symbol_metrics");
    assert.equal(res.counters!.outputs, BigInt(rows));
    assert.equal(rows, SYMBOLS.length * 36 - 13 - 17);
    assert.deepEqual(
      res.counters!.skipped.map((s) => [s.reason, s.count]),
      [[SkipReason.NO_CLOSE, 30n]],
    );
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, p.reason, p.message, p.date]),
      GAPS,
    );
    const read = await factor.getSymbolMetrics({ symbols: SYMBOLS, startDate: START, endDate: END });
    assert.equal(read.rows.length, rows);
    let compared = 0;
    for (const [date, bySymbol] of Object.entries(metricVectors.rows)) {
      if (date < START || date > END) continue;
      for (const [symbol, byKey] of Object.entries(bySymbol)) {
        const row = read.rows.find((r) => r.symbol === symbol && r.date === date) as unknown as
          | Record<string, number | undefined>
          | undefined;
        const fields: Record<string, string> = {
          return_1d: "return1d",
          return_5d: "return5d",
          return_21d: "return21d",
          return_63d: "return63d",
          return_252d: "return252d",
          return_mtd: "returnMtd",
          return_ytd: "returnYtd",
          realized_vol_21d: "realizedVol21d",
          realized_vol_63d: "realizedVol63d",
          rsi_14: "rsi14",
          sma_50: "sma50",
          sma_200: "sma200",
          drawdown_252d: "drawdown252d",
        };
        for (const k of METRIC_KEYS) {
          const expected = byKey[k];
          const actual = row?.[fields[k]!];
          if (expected === null || expected === undefined) {
            assert.equal(actual, undefined, `${symbol} ${date} ${k} should be null`);
            continue;
          }
          assert.ok(actual !== undefined, `${symbol} ${date} ${k} stored`);
          const tol = k === "rsi_14" ? { abs: metricVectors.tolerance.rsi_abs, rel: 0 } : metricVectors.tolerance;
          close(actual, expected, tol, `${symbol} ${date} ${k}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 100, `compared ${compared} reference metrics`);
    const again = await factor.computeSymbolMetrics({ symbols: SYMBOLS, startDate: START, endDate: END });
    assert.equal(again.counters!.outputs, res.counters!.outputs);
    assert.equal(await storedRows("symbol_metrics"), rows);
  });

  /** Every stored row of a table, ordered; float8 comes back as a JS number (NaN included). */
  async function tableRows(table: string): Promise<Record<string, unknown>[]> {
    const r = await pool.query(`SELECT * FROM ${factorSchema}.${table} ORDER BY symbol, date`);
    return r.rows;
  }

  /** Same rows, same columns, numbers Object.is-identical (bit-identical up to NaN payloads). */
  function assertIdenticalRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[], what: string): void {
    assert.equal(actual.length, expected.length, `${what}: row count`);
    expected.forEach((e, r) => {
      const a = actual[r]!;
      assert.deepEqual(Object.keys(a), Object.keys(e));
      for (const [k, v] of Object.entries(e)) {
        const x = a[k];
        if (typeof v === "number") assert.ok(Object.is(x, v), `${what} row ${r} ${k}: ${String(x)} vs ${v}`);
        else assert.deepEqual(x, v, `${what} row ${r} ${k}`);
      }
    });
  }

  it("stores identical rows with and without the run price cache over a multi-chunk sequence", async () => {
    const chunks: string[][] = [];
    const dates = tradingDays(START, END);
    for (let i = 0; i < dates.length; i += 7) chunks.push(dates.slice(i, i + 7));
    assert.ok(chunks.length >= 5);
    const runChunks = async (runId: string) => {
      // Phase 1.5 then 1.75 on each chunk, as the coordinator's run executor does.
      for (const c of chunks) {
        const range = { startDate: c[0]!, endDate: c.at(-1)!, runId };
        await factor.computeSymbolFactors({ symbols: SYMBOLS, ...range });
        await factor.computeSymbolMetrics({ symbols: SYMBOLS, ...range });
      }
      return { factors: await tableRows("symbol_factors"), metrics: await tableRows("symbol_metrics") };
    };
    const before = service.priceCacheStats();
    const cached = await runChunks(`it-run-${suffix}`);
    const after = service.priceCacheStats();
    // The first factor call reads in full; every later chunk reads only its new dates; metrics calls are hits.
    assert.deepEqual(
      { full: after.fullFetches - before.fullFetches, tails: after.tailFetches - before.tailFetches, hits: after.hits - before.hits },
      { full: 1, tails: chunks.length - 1, hits: chunks.length },
    );
    const uncached = await runChunks("");
    assert.equal(service.priceCacheStats().uncached - after.uncached, 2 * chunks.length);
    assert.equal(uncached.factors.length, SYMBOLS.length * dates.length);
    assert.ok(uncached.metrics.length > 0);
    assertIdenticalRows(cached.factors, uncached.factors, "symbol_factors");
    assertIdenticalRows(cached.metrics, uncached.metrics, "symbol_metrics");
  });

  it("fails loudly when symbols have prices but nothing can be computed, and rejects bad input", async () => {
    // Prices exist for AVP before 2020-01-06 only: no close in the range → FAILED_PRECONDITION, never success.
    const code = (c: Code) => (err: unknown) => err instanceof ConnectError && err.code === c;
    await assert.rejects(
      factor.computeSymbolMetrics({ symbols: ["AVP"], startDate: "2020-01-20", endDate: "2020-01-23" }),
      (err: unknown) => {
        assert.ok(code(Code.FailedPrecondition)(err));
        assert.match((err as ConnectError).rawMessage, /AVP: NO_CLOSE, no close on 3 of 3 dates \(last close 2020-01-03\)/);
        return true;
      },
    );
    await assert.rejects(factor.getSymbolFactors({ symbols: ["AAPL"], startDate: "2020-13-01", endDate: "" }), code(Code.InvalidArgument));
    await assert.rejects(factor.computeSymbolFactors({ symbols: [], startDate: START, endDate: END }), code(Code.InvalidArgument));
  });
});
