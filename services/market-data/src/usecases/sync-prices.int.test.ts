/**
 * syncPrices on real Postgres (a unique schema per test file, dropped afterwards) with the csv
 * provider over small files written per test: bad closes are rejected with typed problems naming
 * file:line, rows after the clock's today are skipped and counted, a symbol with only bad rows is
 * not available, and nothing bad is stored.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createClock } from "@sigma/calendar";
import { SkipReason, SymbolStatus } from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import { createLogger } from "@sigma/runtime";
import type { DataSource } from "typeorm";
import { CsvPriceProvider, type FetchResult, type PriceProvider } from "../domain/index.js";
import { MARKET_DATA_MIGRATIONS } from "../store/migrations.js";
import { PriceStore } from "../store/price-store.js";
import { MAX_ROW_PROBLEMS_PER_SYMBOL, syncPrices } from "./sync-prices.js";

const DATABASE_URL = process.env.SIGMA_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";
const HEADER = "date,symbol,open,high,low,close,volume";
const logger = createLogger("t", { level: "silent" });

describe("syncPrices screens rows before storing", () => {
  let db: DataSource;
  let dir: string;
  let schemaN = 0;
  const schemas: string[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "sigma-sync-"));
  });
  after(async () => {
    if (db) {
      for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await closeDataSource(db);
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** A fresh store on its own schema. */
  async function freshStore(): Promise<PriceStore> {
    const schema = `md_sync_${randomBytes(5).toString("hex")}_${schemaN++}`;
    schemas.push(schema);
    if (db) await closeDataSource(db);
    db = await createDataSource({
      url: DATABASE_URL,
      schema,
      entities: [],
      migrations: MARKET_DATA_MIGRATIONS,
      logger,
      applicationName: "t",
    });
    return new PriceStore(db, schema);
  }

  async function csvFile(name: string, rows: string[]): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, `${[HEADER, ...rows].join("\n")}\n`);
    return file;
  }

  const clock = createClock({ asOf: "2020-01-10" });

  it("rejects closes that are not positive numbers with file:line, stores the rest, and lists every problem", async () => {
    const store = await freshStore();
    const file = await csvFile("bad.csv", [
      "2020-01-02,ABC,1,1,1,10,100",
      "2020-01-03,ABC,1,1,1,-5,100", // line 3
      "2020-01-06,ABC,1,1,1,abc,100", // line 4
      "2020-01-07,ABC,1,1,1,11,100",
      "2020-01-02,ONLYBAD,1,1,1,0,1", // line 6
      "2020-01-03,ONLYBAD,1,1,1,NaN,1", // line 7
    ]);
    await store.addSymbols(["ABC", "ONLYBAD"], false);
    const results = await syncPrices(
      { store, provider: new CsvPriceProvider(file), logger, concurrency: 2, clock },
      { symbols: ["ABC", "ONLYBAD"], start: "2020-01-01", end: "2020-01-10", force: false },
    );
    const abc = results.find((r) => r.symbol === "ABC")!;
    assert.equal(abc.status, SymbolStatus.FETCHED);
    assert.equal(abc.rowsFetched, 2);
    assert.deepEqual(abc.rowsSkipped, [{ reason: SkipReason.BAD_PRICE, count: 2 }]);
    assert.deepEqual(abc.problems, [
      { symbol: "ABC", reason: SkipReason.BAD_PRICE, date: "2020-01-03", message: "bad.csv:3: ABC 2020-01-03: close -5 is not positive" },
      {
        symbol: "ABC",
        reason: SkipReason.BAD_PRICE,
        date: "2020-01-06",
        message: 'bad.csv:4: ABC 2020-01-06: close is not a number: "abc"',
      },
    ]);
    const stored = await store.readCloses(["ABC", "ONLYBAD"], "2020-01-01", "2020-01-10");
    assert.deepEqual([...stored.get("ABC")!.closes], [10, 11], "only the good closes are stored");
    assert.equal(stored.has("ONLYBAD"), false, "nothing of a symbol with only bad rows is stored");

    const onlyBad = results.find((r) => r.symbol === "ONLYBAD")!;
    assert.equal(onlyBad.status, SymbolStatus.UNAVAILABLE);
    assert.equal(onlyBad.reason, SkipReason.BAD_PRICE);
    assert.match(onlyBad.message, /all 2 row\(s\) rejected, first bad\.csv:6: ONLYBAD 2020-01-02: close 0 is not positive/);
    assert.deepEqual(
      onlyBad.problems.map((p) => p.message),
      ["bad.csv:6: ONLYBAD 2020-01-02: close 0 is not positive", 'bad.csv:7: ONLYBAD 2020-01-03: close is not a number: "NaN"'],
    );
    const listed = (await store.listSymbols(true)).find((s) => s.symbol === "ONLYBAD");
    assert.equal(listed?.unavailable, true, "a symbol with only bad rows is not available");
    assert.match(listed?.unavailableReason ?? "", /rejected/);
  });

  it("asks again from the first rejected date, so a corrected file is read without force", async () => {
    const store = await freshStore();
    const rows = ["2020-01-02,ABC,1,1,1,10,100", "2020-01-03,ABC,1,1,1,-5,100", "2020-01-06,ABC,1,1,1,12,100"];
    const file = await csvFile("fix.csv", rows);
    const deps = { store, provider: new CsvPriceProvider(file), logger, concurrency: 1, clock };
    const req = { symbols: ["ABC"], start: "2020-01-01", end: "2020-01-10", force: false };
    await syncPrices(deps, req);
    const again = await syncPrices(deps, req);
    assert.equal(again[0]!.problems.length, 1, "the bad row is reported on every sync until fixed");
    await writeFile(file, `${[HEADER, rows[0], "2020-01-03,ABC,1,1,1,11,100", rows[2]].join("\n")}\n`);
    const fixed = await syncPrices({ ...deps, provider: new CsvPriceProvider(file) }, req);
    assert.deepEqual([fixed[0]!.status, fixed[0]!.problems], [SymbolStatus.FETCHED, []]);
    const stored = await store.readCloses(["ABC"], "2020-01-01", "2020-01-10");
    assert.deepEqual([...stored.get("ABC")!.closes], [10, 11, 12]);
  });

  it("skips and counts rows dated after the clock's today, whatever the provider", async () => {
    const store = await freshStore();
    // An HTTP-like provider (the edge of the system) answering a range that runs past today.
    const provider: PriceProvider = {
      kind: "synthetic",
      describe: () => "test provider",
      async fetchDaily(_symbol, start, end): Promise<FetchResult> {
        const bars = ["2020-01-09", "2020-01-10", "2020-01-13", "2020-01-14"]
          .filter((d) => d >= start && d <= end)
          .map((date, i) => ({ date, open: 1, high: 1, low: 1, close: date === "2020-01-14" ? -1 : 10 + i, volume: 1 }));
        return { status: "ok", bars, requests: 1 };
      },
    };
    const [r] = await syncPrices(
      { store, provider, logger, concurrency: 1, clock },
      { symbols: ["ABC"], start: "2020-01-09", end: "2020-01-14", force: false },
    );
    assert.equal(r!.rowsFetched, 2);
    assert.deepEqual(r!.rowsSkipped, [{ reason: SkipReason.FUTURE_DATE, count: 2 }], "a future row counts as future even with a bad close");
    assert.deepEqual(
      r!.problems.map((p) => [p.reason, p.date, p.message]),
      [[SkipReason.FUTURE_DATE, "2020-01-13", "ABC: 2 row(s) dated after today (2020-01-10) skipped, the first on 2020-01-13"]],
    );
    const stored = await store.readCloses(["ABC"], "2020-01-01", "2020-01-31");
    assert.equal(stored.get("ABC")!.closes.length, 2, "nothing after today is stored");
    // The dates after today are not covered: a later sync (once they are past) asks again.
    const cov = await store.coverage(["ABC"], "2020-01-01", "2020-01-31");
    assert.deepEqual(cov.get("ABC"), [{ start: "2020-01-09", end: "2020-01-10" }]);
  });

  it("lists at most MAX_ROW_PROBLEMS_PER_SYMBOL rows per symbol and sums up the rest", async () => {
    const store = await freshStore();
    const rows: string[] = [];
    for (let d = 2; d <= 31; d++) rows.push(`2019-12-${String(d).padStart(2, "0")},ABC,1,1,1,-${d},1`);
    const file = await csvFile("many.csv", rows);
    const [r] = await syncPrices(
      { store, provider: new CsvPriceProvider(file), logger, concurrency: 1, clock },
      { symbols: ["ABC"], start: "2019-12-02", end: "2019-12-31", force: false },
    );
    assert.deepEqual(r!.rowsSkipped, [{ reason: SkipReason.BAD_PRICE, count: 30 }]);
    assert.equal(r!.problems.length, MAX_ROW_PROBLEMS_PER_SYMBOL + 1);
    assert.equal(r!.problems.at(-1)!.message, `ABC: ${30 - MAX_ROW_PROBLEMS_PER_SYMBOL} more rejected row(s) not listed`);
  });
});
