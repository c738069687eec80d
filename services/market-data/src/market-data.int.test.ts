/**
 * The market-data service end to end: startMarketData on real Postgres (a unique schema per service
 * instance, dropped afterwards) called through a real gRPC client. Covers the csv provider on the
 * real price file (incremental sync, force, aligned series), request validation (nothing written on
 * rejection), the symbol universe, and the http provider against a local stand-in for Polygon's
 * aggregates API (429 back-off, unknown symbols, a refused request).
 *
 * Expectations are computed independently from the price file itself (SPY trades on every NYSE
 * trading day, so its file dates are the calendar) rather than through the service's own code.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MarketDataService, SkipReason, SymbolStatus } from "@sigma/contracts";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@sigma/contracts/health";
import { createLogger, createServiceClient } from "@sigma/runtime";
import { PRICES_CSV } from "@sigma/testing/paths";
import pg from "pg";
import { loadMarketDataConfig, startMarketData, type StartedService } from "./app.js";

const DATABASE_URL = process.env.SIGMA_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const PRICES = PRICES_CSV;

/** date -> close of one symbol, read straight from the file (the test's own oracle). */
function fileCloses(symbol: string): Map<string, number> {
  const out = new Map<string, number>();
  const lines = readFileSync(PRICES, "utf8").split(/\r?\n/);
  for (const line of lines.slice(1)) {
    const cols = line.split(",");
    if (cols[1] === symbol) out.set(cols[0]!, Number(cols[5]));
  }
  return out;
}

/** File dates of `symbol` within [start, end], ascending. */
function fileDates(closes: Map<string, number>, start: string, end: string): string[] {
  return [...closes.keys()].filter((d) => d >= start && d <= end).sort();
}

/** One service instance on its own schema, with a client and a direct pg connection for checks. */
interface Harness {
  schema: string;
  service: StartedService;
  client: Client<typeof MarketDataService>;
  /** Row counts of the service's three tables, read directly from Postgres. */
  tableCounts(): Promise<{ symbols: number; prices: number; coverage: number }>;
  stop(): Promise<void>;
}

async function startHarness(prices: string, env?: Record<string, string>): Promise<Harness> {
  // Lower-case hex only: the store interpolates the schema unquoted, and identifiers cannot be bound.
  const schema = `md_it_${randomBytes(6).toString("hex")}`;
  const config = loadMarketDataConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    SIGMA_AUTH: "dev",
    DATABASE_URL,
    DB_SCHEMA: schema,
    SIGMA_PRICES: prices,
    ...env,
  });
  const service = await startMarketData(config, { logger: createLogger("t", { level: "silent" }) });
  const client = createServiceClient(MarketDataService, service.url, { retries: 0 });
  const pgClient = new pg.Client({ connectionString: DATABASE_URL });
  await pgClient.connect();
  return {
    schema,
    service,
    client,
    async tableCounts() {
      const r = await pgClient.query<{ s: number; p: number; c: number }>(
        `SELECT (SELECT count(*) FROM ${schema}.symbols)::int AS s,
                (SELECT count(*) FROM ${schema}.daily_prices)::int AS p,
                (SELECT count(*) FROM ${schema}.coverage)::int AS c`,
      );
      const row = r.rows[0]!;
      return { symbols: row.s, prices: row.p, coverage: row.c };
    },
    async stop() {
      try {
        await service.close();
      } finally {
        try {
          await pgClient.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        } finally {
          await pgClient.end();
        }
      }
    },
  };
}

/** Asserts that `p` rejects with INVALID_ARGUMENT and returns the error message. */
async function expectInvalidArgument(p: Promise<unknown>): Promise<string> {
  let message = "";
  await assert.rejects(p, (err: unknown) => {
    const ce = ConnectError.from(err);
    assert.equal(ce.code, Code.InvalidArgument, `expected INVALID_ARGUMENT, got ${Code[ce.code]}: ${ce.message}`);
    message = ce.rawMessage;
    return true;
  });
  return message;
}

/** The counters' skipped list as a plain reason -> count object, for order-independent comparison. */
function skippedOf(counters: { skipped: { reason: SkipReason; count: bigint }[] } | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of counters?.skipped ?? []) out[SkipReason[s.reason]] = Number(s.count);
  return out;
}

describe("market-data service with the csv provider (real price file)", () => {
  let h: Harness;
  const spy = fileCloses("SPY");
  const avp = fileCloses("AVP");
  const START = "2019-12-02";
  const END = "2020-01-23";

  before(async () => {
    h = await startHarness(`csv:${PRICES}`);
  });
  after(async () => {
    await h?.stop();
  });

  it("syncs available symbols, reports an unknown one as UNAVAILABLE, and counts them", async () => {
    const res = await h.client.syncPrices({ symbols: ["SPY", "AVP", "GGIPX"], startDate: START, endDate: END });
    const bySym = new Map(res.results.map((r) => [r.symbol, r]));
    assert.deepEqual([...bySym.keys()].sort(), ["AVP", "GGIPX", "SPY"]);

    const spyDays = fileDates(spy, START, END);
    assert.ok(spyDays.length > 30, "sanity: the file covers the range for SPY");
    // SPY trades every NYSE day: its file dates must be the calendar's trading days.
    assert.deepEqual(spyDays, tradingDays(START, END));
    const s = bySym.get("SPY")!;
    assert.equal(s.status, SymbolStatus.FETCHED);
    assert.equal(Number(s.rowsFetched), spyDays.length);
    assert.equal(s.firstDate, spyDays[0]);
    assert.equal(s.lastDate, spyDays.at(-1));
    assert.equal(s.reason, SkipReason.UNSPECIFIED);
    assert.equal(s.requests, 0, "a local file issues no upstream requests");

    const a = bySym.get("AVP")!;
    assert.equal(a.status, SymbolStatus.FETCHED);
    assert.equal(Number(a.rowsFetched), fileDates(avp, START, END).length);
    assert.equal(a.firstDate, START);
    assert.equal(a.lastDate, "2020-01-03");

    const g = bySym.get("GGIPX")!;
    assert.equal(g.status, SymbolStatus.UNAVAILABLE);
    assert.equal(g.reason, SkipReason.SYMBOL_UNAVAILABLE);
    assert.equal(Number(g.rowsFetched), 0);
    assert.equal(g.firstDate, "");
    assert.equal(g.lastDate, "");
    assert.notEqual(g.message, "", "an unavailable symbol says why");

    assert.equal(res.counters?.inputs, 3n);
    assert.equal(res.counters?.outputs, 2n);
    assert.deepEqual(skippedOf(res.counters), { SYMBOL_UNAVAILABLE: 1 });
  });

  it("a second identical sync fetches nothing for available symbols", async () => {
    const before = await h.tableCounts();
    const res = await h.client.syncPrices({ symbols: ["SPY", "AVP", "GGIPX"], startDate: START, endDate: END });
    const bySym = new Map(res.results.map((r) => [r.symbol, r]));
    for (const sym of ["SPY", "AVP"]) {
      const r = bySym.get(sym)!;
      assert.equal(r.status, SymbolStatus.UP_TO_DATE, sym);
      assert.equal(Number(r.rowsFetched), 0, sym);
      assert.equal(r.requests, 0, sym);
      assert.equal(r.reason, SkipReason.UP_TO_DATE, sym);
    }
    assert.equal(bySym.get("AVP")!.lastDate, "2020-01-03", "stored span still reported when up to date");
    assert.equal(bySym.get("GGIPX")!.status, SymbolStatus.UNAVAILABLE);
    assert.equal(res.counters?.inputs, 3n);
    assert.equal(res.counters?.outputs, 2n);
    assert.deepEqual(skippedOf(res.counters), { UP_TO_DATE: 2, SYMBOL_UNAVAILABLE: 1 });
    assert.deepEqual(await h.tableCounts(), before, "an up-to-date sync writes no rows");
  });

  it("widening the range fetches only the missing head", async () => {
    const head = fileDates(spy, "2019-11-01", "2019-11-29");
    assert.deepEqual(head, tradingDays("2019-11-01", "2019-11-29"));
    const res = await h.client.syncPrices({ symbols: ["SPY", "AVP"], startDate: "2019-11-01", endDate: END });
    const bySym = new Map(res.results.map((r) => [r.symbol, r]));
    const s = bySym.get("SPY")!;
    assert.equal(s.status, SymbolStatus.FETCHED);
    assert.equal(Number(s.rowsFetched), head.length);
    assert.equal(s.firstDate, "2019-11-01");
    assert.equal(s.lastDate, END);
    const a = bySym.get("AVP")!;
    assert.equal(a.status, SymbolStatus.FETCHED);
    assert.equal(Number(a.rowsFetched), fileDates(avp, "2019-11-01", "2019-11-29").length);
    assert.equal(a.lastDate, "2020-01-03");
  });

  it("force refetches the whole range", async () => {
    const res = await h.client.syncPrices({ symbols: ["SPY", "AVP"], startDate: "2019-11-01", endDate: END, force: true });
    const bySym = new Map(res.results.map((r) => [r.symbol, r]));
    assert.equal(bySym.get("SPY")!.status, SymbolStatus.FETCHED);
    assert.equal(Number(bySym.get("SPY")!.rowsFetched), fileDates(spy, "2019-11-01", END).length);
    assert.equal(Number(bySym.get("AVP")!.rowsFetched), fileDates(avp, "2019-11-01", END).length);
    // Upserts replace: no duplicate rows after a refetch.
    const counts = await h.tableCounts();
    assert.equal(counts.prices, fileDates(spy, "2019-11-01", END).length + fileDates(avp, "2019-11-01", END).length);
  });

  it("GetPriceSeries aligns closes on the trading days, NaN where no close, empty for unknown", async () => {
    const res = await h.client.getPriceSeries({ symbols: ["SPY", "avp", "GGIPX", "QQQ"], startDate: START, endDate: END });
    const days = fileDates(spy, START, END);
    assert.deepEqual(res.dates, days);
    assert.deepEqual(
      res.series.map((s) => s.symbol),
      ["SPY", "AVP", "GGIPX", "QQQ"],
    );
    const [sSpy, sAvp, sG, sQ] = res.series;
    assert.equal(sSpy!.empty, false);
    assert.deepEqual(
      sSpy!.closes,
      days.map((d) => spy.get(d)),
    );
    assert.equal(sAvp!.empty, false);
    assert.equal(sAvp!.closes.length, days.length);
    days.forEach((d, i) => {
      const c = sAvp!.closes[i]!;
      if (d <= "2020-01-03") assert.equal(c, avp.get(d), `AVP ${d}`);
      else assert.ok(Number.isNaN(c), `AVP ${d} should be NaN after delisting, got ${c}`);
    });
    for (const s of [sG!, sQ!]) {
      assert.equal(s.empty, true, s.symbol);
      assert.equal(s.closes.length, days.length);
      assert.ok(
        s.closes.every((c) => Number.isNaN(c)),
        s.symbol,
      );
    }
  });

  it("ListSymbols shows the factor ETF flag, coverage and availability", async () => {
    const all = await h.client.listSymbols({ includeFactorEtfs: true });
    const bySym = new Map(all.symbols.map((s) => [s.symbol, s]));
    const s = bySym.get("SPY")!;
    assert.equal(s.factorEtf, true);
    assert.equal(s.firstDate, "2019-11-01");
    assert.equal(s.lastDate, END);
    assert.equal(Number(s.priceRows), fileDates(spy, "2019-11-01", END).length);
    assert.equal(s.unavailable, false);
    const a = bySym.get("AVP")!;
    assert.equal(a.factorEtf, false);
    assert.equal(a.lastDate, "2020-01-03");
    const g = bySym.get("GGIPX")!;
    assert.equal(g.unavailable, true);
    assert.equal(Number(g.priceRows), 0);
    assert.equal(g.firstDate, "");

    const noEtfs = await h.client.listSymbols({ includeFactorEtfs: false });
    assert.deepEqual(noEtfs.symbols.map((x) => x.symbol).sort(), ["AVP", "GGIPX"]);
  });
});

describe("market-data service validation and the symbol universe", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(`csv:${PRICES}`);
  });
  after(async () => {
    await h?.stop();
  });

  it("rejects bad dates, reversed ranges and invalid symbols, writing nothing", async () => {
    const empty = { symbols: 0, prices: 0, coverage: 0 };
    await expectInvalidArgument(h.client.syncPrices({ symbols: ["SPY"], startDate: "2020-13-01", endDate: "2020-01-23" }));
    await expectInvalidArgument(h.client.syncPrices({ symbols: ["SPY"], startDate: "2020-01-02", endDate: "20200123" }));
    await expectInvalidArgument(h.client.syncPrices({ symbols: ["SPY"], startDate: "2020-01-23", endDate: "2020-01-02" }));
    const msg = await expectInvalidArgument(
      h.client.syncPrices({ symbols: ["SPY", "BAD SYMBOL!"], startDate: "2020-01-02", endDate: "2020-01-23" }),
    );
    assert.match(msg, /BAD SYMBOL!/);
    assert.match(msg, /symbols\[1\]/);
    assert.deepEqual(await h.tableCounts(), empty, "a rejected sync writes nothing");

    await expectInvalidArgument(h.client.getPriceSeries({ symbols: ["SPY"], startDate: "2020-02-30", endDate: "2020-03-02" }));
    await expectInvalidArgument(h.client.getPriceSeries({ symbols: ["SPY"], startDate: "2020-03-02", endDate: "2020-03-01" }));
    const gMsg = await expectInvalidArgument(
      h.client.getPriceSeries({ symbols: ["BAD SYMBOL!"], startDate: "2020-01-02", endDate: "2020-01-03" }),
    );
    assert.match(gMsg, /BAD SYMBOL!/);
    await expectInvalidArgument(h.client.getPriceSeries({ symbols: [], startDate: "2020-01-02", endDate: "2020-01-03" }));

    const aMsg = await expectInvalidArgument(h.client.addSymbols({ symbols: ["AAPL", "BAD SYMBOL!"] }));
    assert.match(aMsg, /BAD SYMBOL!/);
    assert.deepEqual(await h.tableCounts(), empty, "a rejected AddSymbols writes nothing");
  });

  it("AddSymbols normalizes, flags factor ETFs and is idempotent", async () => {
    const first = await h.client.addSymbols({ symbols: ["brk.b", " aapl ", "SPY", "BRK-B"] });
    assert.deepEqual(first.symbols, ["BRK-B", "AAPL", "SPY"]);
    assert.equal(first.added, 3);
    const second = await h.client.addSymbols({ symbols: ["BRK.B", "aapl", "spy"] });
    assert.deepEqual(second.symbols, ["BRK-B", "AAPL", "SPY"]);
    assert.equal(second.added, 0);

    const all = await h.client.listSymbols({ includeFactorEtfs: true });
    assert.deepEqual(
      all.symbols.map((s) => [s.symbol, s.factorEtf, s.firstDate, Number(s.priceRows)]),
      [
        ["AAPL", false, "", 0],
        ["BRK-B", false, "", 0],
        ["SPY", true, "", 0],
      ],
    );
    const noEtfs = await h.client.listSymbols({ includeFactorEtfs: false });
    assert.deepEqual(
      noEtfs.symbols.map((s) => s.symbol),
      ["AAPL", "BRK-B"],
    );
    assert.equal((await h.tableCounts()).symbols, 3);
  });
});

describe("market-data service limits the size of a call", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(`csv:${PRICES}`);
  });
  after(async () => {
    await h?.stop();
  });

  it("AddSymbols refuses more than 10,000 symbols before writing anything", async () => {
    const symbols = Array.from({ length: 10_001 }, (_, i) => `S${i}`);
    const msg = await expectInvalidArgument(h.client.addSymbols({ symbols }));
    assert.match(msg, /at most 10,000 per call/);
    assert.match(msg, /10001 given/);
    assert.equal((await h.tableCounts()).symbols, 0, "nothing committed");
    const ok = await h.client.addSymbols({ symbols: symbols.slice(0, 10_000) });
    assert.equal(ok.added, 10_000, "the limit itself is accepted");
  });

  it("GetPriceSeries refuses a range over 25 years or more than 5,000,000 closes, naming the limit", async () => {
    const span = await expectInvalidArgument(h.client.getPriceSeries({ symbols: ["SPY"], startDate: "0001-01-01", endDate: "9999-12-31" }));
    assert.match(span, /spans more than 25 years/);
    const justOver = await expectInvalidArgument(
      h.client.getPriceSeries({ symbols: ["SPY"], startDate: "2000-01-03", endDate: "2025-01-03" }),
    );
    assert.match(justOver, /end must be before 2025-01-03/);
    // 2,000 symbols × 2,516 trading days (2010-2019) = 5,032,000 closes.
    const symbols = Array.from({ length: 2_000 }, (_, i) => `S${i}`);
    const cells = await expectInvalidArgument(h.client.getPriceSeries({ symbols, startDate: "2010-01-01", endDate: "2019-12-31" }));
    assert.match(cells, /2000 symbols × 2516 trading dates = 5,032,000 closes exceeds the limit of 5,000,000/);
    // The largest legitimate read (1,193 symbols × ~560 dates) passes.
    const big = await h.client.getPriceSeries({
      symbols: Array.from({ length: 1_193 }, (_, i) => `S${i}`),
      startDate: "2018-01-01",
      endDate: "2020-03-31",
    });
    assert.equal(big.series.length, 1_193);
    assert.equal(big.dates.length, tradingDays("2018-01-01", "2020-03-31").length);
  });
});

describe("market-data service screens bad rows of the price file", () => {
  let h: Harness;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sigma-md-it-"));
    const file = path.join(dir, "daily_prices.csv");
    await writeFile(
      file,
      [
        "date,symbol,open,high,low,close,volume",
        "2020-01-02,AAA,1,1,1,10,1",
        "2020-01-03,AAA,1,1,1,-5,1",
        "2020-01-06,AAA,1,1,1,11,1",
        "2020-01-02,BBB,1,1,1,abc,1",
        "2020-01-03,BBB,1,1,1,0,1",
        "2099-01-02,AAA,1,1,1,12,1",
      ].join("\r\n"),
    );
    h = await startHarness(`csv:${file}`, { SIGMA_AS_OF: "2020-01-10" });
  });
  after(async () => {
    await h?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("rejects bad closes and rows after today with typed problems, stores none of them, and reports BBB unavailable", async () => {
    const res = await h.client.syncPrices({ symbols: ["AAA", "BBB"], startDate: "2020-01-01", endDate: "2099-12-31" });
    assert.deepEqual(
      res.problems.map((p) => [p.symbol, SkipReason[p.reason], p.date, p.message]),
      [
        ["AAA", "BAD_PRICE", "2020-01-03", "daily_prices.csv:3: AAA 2020-01-03: close -5 is not positive"],
        ["AAA", "FUTURE_DATE", "2099-01-02", "AAA: 1 row(s) dated after today (2020-01-10) skipped, the first on 2099-01-02"],
        ["BBB", "BAD_PRICE", "2020-01-02", 'daily_prices.csv:5: BBB 2020-01-02: close is not a number: "abc"'],
        ["BBB", "BAD_PRICE", "2020-01-03", "daily_prices.csv:6: BBB 2020-01-03: close 0 is not positive"],
      ],
    );
    const rowsSkipped = Object.fromEntries(res.rowsSkipped.map((s) => [SkipReason[s.reason], Number(s.count)]));
    assert.deepEqual(rowsSkipped, { BAD_PRICE: 3, FUTURE_DATE: 1 });
    const aaa = res.results.find((r) => r.symbol === "AAA")!;
    assert.deepEqual(
      [SymbolStatus[aaa.status], Number(aaa.rowsFetched), aaa.firstDate, aaa.lastDate],
      ["FETCHED", 2, "2020-01-02", "2020-01-06"],
    );
    const bbb = res.results.find((r) => r.symbol === "BBB")!;
    assert.deepEqual([SymbolStatus[bbb.status], SkipReason[bbb.reason]], ["UNAVAILABLE", "BAD_PRICE"]);
    assert.deepEqual(skippedOf(res.counters), { BAD_PRICE: 1 });
    assert.equal((await h.tableCounts()).prices, 2, "only AAA's two good rows are stored");
    const listed = await h.client.listSymbols({ includeFactorEtfs: false });
    assert.deepEqual(
      listed.symbols.map((s) => [s.symbol, s.unavailable]),
      [
        ["AAA", false],
        ["BBB", true],
      ],
    );
  });
});

describe("market-data service with an unusable price file", () => {
  let h: Harness;
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sigma-md-it-"));
    file = path.join(dir, "missing.csv");
    h = await startHarness(`csv:${file}`);
  });
  after(async () => {
    await h?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const health = () => createServiceClient(Health, h.service.url, { retries: 0 }).check({ service: "" });

  it("starts, answers NOT_SERVING and refuses SyncPrices with FAILED_PRECONDITION naming the reason", async () => {
    assert.equal((await health()).status, ServingStatus.NOT_SERVING);
    assert.equal((await h.client.getProviderInfo({})).kind, "csv", "the service still answers");
    await assert.rejects(h.client.syncPrices({ symbols: ["AAA"], startDate: "2020-01-01", endDate: "2020-01-10" }), (err: unknown) => {
      const ce = ConnectError.from(err);
      assert.equal(ce.code, Code.FailedPrecondition);
      assert.match(ce.rawMessage, /price file .*missing\.csv does not exist/);
      return true;
    });
    assert.equal((await h.tableCounts()).symbols, 0, "a refused sync writes nothing");
  });

  it("names a wrong header, and serves again once the file is right", async () => {
    await writeFile(file, "date,ticker,open,high,low,close,volume\n2020-01-02,AAA,1,1,1,1,1\n");
    await assert.rejects(h.client.syncPrices({ symbols: ["AAA"], startDate: "2020-01-01", endDate: "2020-01-10" }), (err: unknown) => {
      const ce = ConnectError.from(err);
      assert.equal(ce.code, Code.FailedPrecondition);
      assert.match(ce.rawMessage, /header lacks column "symbol"/);
      return true;
    });
    assert.equal((await health()).status, ServingStatus.NOT_SERVING);
    await writeFile(file, "\uFEFFClose,Date,Symbol,Open,High,Low,Volume\r\n1,2020-01-02,AAA,1,1,1,1\r\n");
    const res = await h.client.syncPrices({ symbols: ["AAA"], startDate: "2020-01-01", endDate: "2020-01-10" });
    assert.equal(SymbolStatus[res.results[0]!.status], "FETCHED");
    assert.equal((await health()).status, ServingStatus.SERVING);
  });
});

describe("market-data service with the http provider (local Polygon stand-in)", () => {
  const API_KEY = "it-secret-key";
  const spy = fileCloses("SPY");
  const START = "2020-01-13";
  // The file's last SPY bar: every day of the range has a bar upstream.
  const END = "2020-01-23";
  /** Bars the stand-in publishes beyond the file (date -> close), to model a late-published day. */
  const published = new Map<string, number>();
  let server: http.Server;
  let baseUrl: string;
  let h: Harness;
  const requests: { symbol: string; from: string; to: string; apiKey: string | null }[] = [];
  const rateLimitedOnce = new Set<string>();

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/day\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})$/.exec(url.pathname);
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      if (!m) return send(400, { status: "ERROR", error: `unexpected path ${url.pathname}` });
      const [, symbol, from, to] = m as unknown as [string, string, string, string];
      requests.push({ symbol, from, to, apiKey: url.searchParams.get("apiKey") });
      if (url.searchParams.get("apiKey") !== API_KEY) return send(401, { status: "ERROR", error: "bad key" });
      switch (symbol) {
        case "SPY": {
          // The first request for SPY is rate limited; the client must wait and retry.
          if (!rateLimitedOnce.has(symbol)) {
            rateLimitedOnce.add(symbol);
            return send(429, { status: "ERROR", error: "too many requests" }, { "retry-after": "0" });
          }
          // January: New York midnight is 05:00 UTC.
          const closes = new Map([...spy, ...published]);
          const results = fileDates(closes, from, to).map((d) => {
            const c = closes.get(d)!;
            return { t: Date.parse(`${d}T05:00:00Z`), o: c, h: c + 1, l: c - 1, c, v: 1000 };
          });
          return send(200, { ticker: symbol, status: "OK", resultsCount: results.length, results });
        }
        case "NOPE":
          return send(404, { status: "NOT_FOUND" });
        case "EMPTY":
          return send(200, { ticker: symbol, status: "OK", resultsCount: 0 });
        case "REFUSED":
          return send(400, { status: "ERROR", error: "bad request" });
        default:
          return send(500, { status: "ERROR", error: `unscripted symbol ${symbol}` });
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await startHarness("http", { SIGMA_POLYGON_URL: baseUrl, SIGMA_POLYGON_API_KEY: API_KEY, SIGMA_POLYGON_RPM: "6000000" });
  });

  after(async () => {
    try {
      await h?.stop();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    }
  });

  it("retries a 429, reports unknown symbols UNAVAILABLE and a refused one FAILED, without failing the run", async () => {
    const info = await h.client.getProviderInfo({});
    assert.equal(info.kind, "http");
    assert.ok(!info.description.includes(API_KEY), "the API key never appears in the description");

    const res = await h.client.syncPrices({ symbols: ["SPY", "NOPE", "EMPTY", "REFUSED"], startDate: START, endDate: END });
    const bySym = new Map(res.results.map((r) => [r.symbol, r]));
    const days = fileDates(spy, START, END);

    const s = bySym.get("SPY")!;
    assert.equal(s.status, SymbolStatus.FETCHED);
    assert.equal(Number(s.rowsFetched), days.length);
    assert.equal(s.requests, 2, "the 429 and its retry both count");
    assert.equal(s.firstDate, days[0]);
    assert.equal(s.lastDate, days.at(-1));

    for (const sym of ["NOPE", "EMPTY"]) {
      const r = bySym.get(sym)!;
      assert.equal(r.status, SymbolStatus.UNAVAILABLE, sym);
      assert.equal(r.reason, SkipReason.SYMBOL_UNAVAILABLE, sym);
      assert.equal(r.requests, 1, sym);
    }
    const f = bySym.get("REFUSED")!;
    assert.equal(f.status, SymbolStatus.FAILED);
    assert.equal(f.reason, SkipReason.PROVIDER_ERROR);
    assert.match(f.message, /HTTP 400/);
    assert.ok(!f.message.includes(API_KEY), "the API key never appears in messages");

    assert.equal(res.counters?.inputs, 4n);
    assert.equal(res.counters?.outputs, 1n);
    assert.deepEqual(skippedOf(res.counters), { SYMBOL_UNAVAILABLE: 2, PROVIDER_ERROR: 1 });

    // The request the service sent: the documented URL with the requested range and the key.
    const spyReqs = requests.filter((r) => r.symbol === "SPY");
    assert.equal(spyReqs.length, 2);
    for (const r of spyReqs) assert.deepEqual(r, { symbol: "SPY", from: START, to: END, apiKey: API_KEY });

    const series = await h.client.getPriceSeries({ symbols: ["SPY"], startDate: START, endDate: END });
    assert.deepEqual(series.dates, days);
    assert.deepEqual(
      series.series[0]!.closes,
      days.map((d) => spy.get(d)),
    );
  });

  it("a repeat sync issues no requests for the symbol already fetched", async () => {
    const before = requests.filter((r) => r.symbol === "SPY").length;
    const res = await h.client.syncPrices({ symbols: ["SPY"], startDate: START, endDate: END });
    const s = res.results[0]!;
    assert.equal(s.status, SymbolStatus.UP_TO_DATE);
    assert.equal(s.requests, 0);
    assert.equal(Number(s.rowsFetched), 0);
    assert.equal(requests.filter((r) => r.symbol === "SPY").length, before);
  });

  it("a day the feed has not published yet is UP_TO_DATE, not UNAVAILABLE, and is asked again later", async () => {
    const NEXT = "2020-01-24";
    assert.equal(spy.has(NEXT), false, "sanity: the file has no bar for the next day");
    const mark = requests.length;
    const res = await h.client.syncPrices({ symbols: ["SPY"], startDate: START, endDate: NEXT });
    const s = res.results[0]!;
    assert.equal(s.status, SymbolStatus.UP_TO_DATE, `got ${SymbolStatus[s.status]}: ${s.message}`);
    assert.equal(s.reason, SkipReason.UP_TO_DATE);
    assert.equal(s.requests, 1);
    assert.equal(s.lastDate, END);
    assert.deepEqual(
      requests.slice(mark).map((r) => [r.symbol, r.from, r.to]),
      [["SPY", NEXT, NEXT]],
      "only the missing day is asked",
    );
    const listed = (await h.client.listSymbols({ includeFactorEtfs: true })).symbols.find((x) => x.symbol === "SPY")!;
    assert.equal(listed.unavailable, false, "a known symbol is not marked unavailable for an unpublished day");

    // Once the feed publishes the day, the next sync asks for it again and stores it.
    published.set(NEXT, 400.5);
    const again = await h.client.syncPrices({ symbols: ["SPY"], startDate: START, endDate: NEXT });
    const a = again.results[0]!;
    assert.equal(a.status, SymbolStatus.FETCHED);
    assert.equal(Number(a.rowsFetched), 1);
    assert.equal(a.lastDate, NEXT);
    const series = await h.client.getPriceSeries({ symbols: ["SPY"], startDate: END, endDate: NEXT });
    assert.deepEqual(series.series[0]!.closes, [spy.get(END), 400.5]);
  });

  it("a forced sync of a range with no bars yet does not flag a known symbol unavailable", async () => {
    const LATER = "2020-01-27";
    const res = await h.client.syncPrices({ symbols: ["SPY"], startDate: LATER, endDate: LATER, force: true });
    const s = res.results[0]!;
    // No prices in that range is NO_PRICES for this request, not "the provider does not know SPY".
    assert.equal(s.reason, SkipReason.NO_PRICES, `got ${SkipReason[s.reason]}: ${s.message}`);
    const listed = (await h.client.listSymbols({ includeFactorEtfs: true })).symbols.find((x) => x.symbol === "SPY")!;
    assert.equal(listed.unavailable, false);
  });
});
