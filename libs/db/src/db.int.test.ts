/**
 * Integration tests of @sigma/db against real Postgres (127.0.0.1:5432) and the embedded PGlite server.
 * Each backend gets a unique schema `test_<random>`, dropped (or discarded with PGlite) at the end.
 */
import { after, before, describe, it, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PRICES_CSV } from "@sigma/testing/paths";
import pg from "pg";
import { Column, Entity, PrimaryColumn, type DataSource, type MigrationInterface, type QueryRunner } from "typeorm";
import { closeDataSource, createDataSource, MigrationError } from "./data-source.js";
import { bulkUpsert, BulkWriteError, type UpsertSpec } from "./bulk-upsert.js";
import { bulkDelete, replaceRows } from "./bulk-delete.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";

const REAL_PG_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

@Entity({ name: "prices" })
class PriceRow {
  @PrimaryColumn("text") symbol!: string;
  @PrimaryColumn("date") date!: string;
  @Column("float8", { nullable: true }) close!: number | null;
  @Column("int8", { nullable: true }) volume!: string | null;
}

/** Migrations are written per service with schema-qualified SQL; here the schema is per test run. */
// biome-ignore lint/complexity/noBannedTypes: TypeORM declares migration classes as Function
function migrationsFor(schema: string): Function[] {
  class CreatePrices1700000000000 implements MigrationInterface {
    async up(qr: QueryRunner): Promise<void> {
      await qr.query(
        `CREATE TABLE "${schema}".prices (symbol text NOT NULL, date date NOT NULL, close float8, ` +
          `volume int8, PRIMARY KEY (symbol, date))`,
      );
    }
    async down(qr: QueryRunner): Promise<void> {
      await qr.query(`DROP TABLE "${schema}".prices`);
    }
  }
  class CreateNotes1700000000001 implements MigrationInterface {
    async up(qr: QueryRunner): Promise<void> {
      await qr.query(`CREATE TABLE "${schema}".notes (id int4 PRIMARY KEY, body text NOT NULL, meta jsonb, ok bool, at timestamptz)`);
    }
    async down(qr: QueryRunner): Promise<void> {
      await qr.query(`DROP TABLE "${schema}".notes`);
    }
  }
  return [CreatePrices1700000000000, CreateNotes1700000000001];
}

const priceSpec = (schema: string): UpsertSpec => ({
  table: `${schema}.prices`,
  columns: [
    { name: "symbol", pgType: "text" },
    { name: "date", pgType: "date" },
    { name: "close", pgType: "float8" },
    { name: "volume", pgType: "int8" },
  ],
  conflict: ["symbol", "date"],
});

/** A type alias (not an interface) so it satisfies the columnar input's index signature. */
type PriceCsv = {
  symbol: string[];
  date: string[];
  close: number[];
  volume: number[];
};

async function readPriceCsv(): Promise<PriceCsv> {
  const text = await readFile(PRICES_CSV, "utf8");
  const out: PriceCsv = { symbol: [], date: [], close: [], volume: [] };
  const lines = text.split("\n");
  const header = lines[0]!.trim().split(",");
  const idx = (name: string) => header.indexOf(name);
  for (const line of lines.slice(1)) {
    if (line.trim() === "") continue;
    const f = line.trim().split(",");
    out.date.push(f[idx("date")]!);
    out.symbol.push(f[idx("symbol")]!);
    out.close.push(f[idx("close")] === "" ? NaN : Number(f[idx("close")]));
    out.volume.push(f[idx("volume")] === "" ? NaN : Math.round(Number(f[idx("volume")])));
  }
  return out;
}

/** Dates as YYYY-MM-DD strings (pg would otherwise parse `date` into local-time Date objects). */
async function selectPrices(ds: DataSource, schema: string) {
  return (await ds.query(
    `SELECT symbol, to_char(date, 'YYYY-MM-DD') AS date, close, volume FROM "${schema}".prices ORDER BY symbol, date`,
  )) as { symbol: string; date: string; close: number | null; volume: string | null }[];
}

async function count(ds: DataSource, table: string): Promise<number> {
  const [row] = (await ds.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[];
  return row!.n;
}

function backendSuite(name: string, getUrl: () => string, options: { dropSchema: boolean }) {
  describe(name, () => {
    const schema = `test_${randomBytes(5).toString("hex")}`;
    let ds: DataSource;

    before(async () => {
      ds = await createDataSource({
        url: getUrl(),
        schema,
        entities: [PriceRow],
        migrations: migrationsFor(schema),
        poolSize: 4,
        applicationName: "sigma-db-test",
      });
    });

    after(async () => {
      if (ds?.isInitialized && options.dropSchema) await ds.query(`DROP SCHEMA "${schema}" CASCADE`);
      if (ds) await closeDataSource(ds);
      await closeDataSource(ds); // idempotent
    });

    it("creates the schema, the migrated tables and the migrations table inside it", async () => {
      const rows = (await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [
        schema,
      ])) as { table_name: string }[];
      assert.deepEqual(
        rows.map((r) => r.table_name),
        ["migrations", "notes", "prices"],
      );
      assert.equal(await count(ds, `"${schema}".migrations`), 2);
    });

    it("does not re-run applied migrations on a second start", async () => {
      const again = await createDataSource({ url: getUrl(), schema, entities: [PriceRow], migrations: migrationsFor(schema), poolSize: 2 });
      try {
        assert.equal(await count(again, `"${schema}".migrations`), 2);
      } finally {
        await closeDataSource(again);
      }
    });

    it("wraps a failing migration in MigrationError and applies none of the batch", async () => {
      class Broken1700000000002 implements MigrationInterface {
        async up(qr: QueryRunner): Promise<void> {
          await qr.query(`CREATE TABLE "${schema}".half (id int4)`);
          await qr.query(`SELECT * FROM "${schema}".does_not_exist`);
        }
        async down(): Promise<void> {}
      }
      await assert.rejects(
        createDataSource({ url: getUrl(), schema, entities: [], migrations: [...migrationsFor(schema), Broken1700000000002], poolSize: 2 }),
        (err: unknown) => err instanceof MigrationError && err.schema === schema,
      );
      const [row] = (await ds.query(`SELECT to_regclass($1) IS NULL AS missing`, [`"${schema}".half`])) as { missing: boolean }[];
      assert.equal(row!.missing, true);
    });

    it("upserts: inserts, updates on conflict, and a rerun gives the same rows without duplicates", async () => {
      const spec = priceSpec(schema);
      const first = {
        symbol: ["AAA", "AAA", "BBB"],
        date: ["2020-01-02", "2020-01-03", "2020-01-02"],
        close: [10, 11, 20],
        volume: [100, 110, 200],
      };
      assert.equal(await bulkUpsert(ds, spec, first), 3);
      const second = { symbol: ["AAA", "CCC"], date: ["2020-01-03", "2020-01-02"], close: [11.5, 30], volume: [111, 300] };
      assert.equal(await bulkUpsert(ds, spec, second), 2);
      const expected = [
        { symbol: "AAA", date: "2020-01-02", close: 10, volume: "100" },
        { symbol: "AAA", date: "2020-01-03", close: 11.5, volume: "111" },
        { symbol: "BBB", date: "2020-01-02", close: 20, volume: "200" },
        { symbol: "CCC", date: "2020-01-02", close: 30, volume: "300" },
      ];
      assert.deepEqual(await selectPrices(ds, schema), expected);
      assert.equal(await bulkUpsert(ds, spec, second), 2);
      assert.deepEqual(await selectPrices(ds, schema), expected);
      // DO NOTHING keeps existing rows and counts only inserts.
      assert.equal(
        await bulkUpsert(
          ds,
          { ...spec, update: [] },
          { symbol: ["AAA", "DDD"], date: ["2020-01-02", "2020-01-02"], close: [99, 40], volume: [1, 400] },
        ),
        1,
      );
      assert.equal((await selectPrices(ds, schema))[0]!.close, 10);
      // skipUnchanged counts only rows whose values changed.
      assert.equal(
        await bulkUpsert(
          ds,
          { ...spec, skipUnchanged: true },
          { symbol: ["AAA", "BBB"], date: ["2020-01-02", "2020-01-02"], close: [10, 21], volume: [100, 200] },
        ),
        1,
      );
      await ds.query(`DELETE FROM "${schema}".prices`);
    });

    it("writes NaN and undefined as NULL", async () => {
      const spec = priceSpec(schema);
      await bulkUpsert(ds, spec, [
        { symbol: "NAN", date: "2020-01-02", close: NaN, volume: NaN },
        { symbol: "UND", date: "2020-01-02" },
      ]);
      const rows = await selectPrices(ds, schema);
      assert.deepEqual(
        rows.map((r) => [r.symbol, r.close, r.volume]),
        [
          ["NAN", null, null],
          ["UND", null, null],
        ],
      );
      await ds.query(`DELETE FROM "${schema}".prices`);
    });

    it("round-trips every value type (text with quotes/backslashes, jsonb, bool, timestamptz)", async () => {
      const spec: UpsertSpec = {
        table: `${schema}.notes`,
        columns: [
          { name: "id", pgType: "int4" },
          { name: "body", pgType: "text" },
          { name: "meta", pgType: "jsonb" },
          { name: "ok", pgType: "bool" },
          { name: "at", pgType: "timestamptz" },
        ],
        conflict: ["id"],
      };
      const body = 'he said "hi", {braces}, back\\slash, comma, NULL, ünïcode';
      await bulkUpsert(ds, spec, [
        { id: 1, body, meta: { nested: [1, [2, 3]], s: 'q"uote' }, ok: true, at: new Date("2020-01-23T21:00:00Z") },
        { id: 2, body: "NULL", meta: null, ok: false, at: null },
      ]);
      const rows = (await ds.query(`SELECT id, body, meta, ok, at FROM "${schema}".notes ORDER BY id`)) as Record<string, unknown>[];
      assert.equal(rows[0]!.body, body);
      assert.deepEqual(rows[0]!.meta, { nested: [1, [2, 3]], s: 'q"uote' });
      assert.equal(rows[0]!.ok, true);
      assert.equal((rows[0]!.at as Date).toISOString(), "2020-01-23T21:00:00.000Z");
      assert.deepEqual([rows[1]!.body, rows[1]!.meta, rows[1]!.ok, rows[1]!.at], ["NULL", null, false, null]);
    });

    it("is atomic across batches: a failing batch leaves nothing written", async () => {
      const spec = priceSpec(schema);
      // Row 4 duplicates row 3's key inside one statement, which Postgres rejects.
      const rows = { symbol: ["A", "B", "C", "C"], date: Array(4).fill("2020-01-02"), close: [1, 2, 3, 4], volume: [1, 2, 3, 4] };
      await assert.rejects(bulkUpsert(ds, spec, rows, { batchSize: 2 }), BulkWriteError);
      assert.equal(await count(ds, `"${schema}".prices`), 0);
    });

    it("works through a QueryRunner transaction, an EntityManager and a pg Pool", async () => {
      const spec = priceSpec(schema);
      const qr = ds.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      await bulkUpsert(qr, spec, { symbol: ["QR"], date: ["2020-01-02"], close: [1], volume: [1] });
      await qr.rollbackTransaction(); // the helper joined the caller's transaction, so this undoes it
      await qr.release();
      assert.equal(await count(ds, `"${schema}".prices`), 0);

      await ds.transaction((em) =>
        bulkUpsert(em, spec, { symbol: ["EM"], date: ["2020-01-02"], close: [2], volume: [2] }, { batchSize: 1 }),
      );
      const pool = new pg.Pool({ connectionString: getUrl(), max: 2 });
      try {
        await bulkUpsert(
          pool,
          spec,
          { symbol: ["PA", "PB"], date: ["2020-01-02", "2020-01-02"], close: [3, 4], volume: [3, 4] },
          { batchSize: 1 },
        );
      } finally {
        await pool.end();
      }
      assert.deepEqual(
        (await selectPrices(ds, schema)).map((r) => r.symbol),
        ["EM", "PA", "PB"],
      );
      assert.deepEqual((await ds.getRepository(PriceRow).findOneByOrFail({ symbol: "PA" })).close, 3);
      await ds.query(`DELETE FROM "${schema}".prices`);
    });

    it("deletes by keys and replaces slices atomically", async () => {
      const spec = priceSpec(schema);
      await bulkUpsert(ds, spec, {
        symbol: ["A", "B", "A", "B", "C"],
        date: ["2020-01-02", "2020-01-02", "2020-01-03", "2020-01-03", "2020-01-03"],
        close: [1, 2, 3, 4, 5],
        volume: [1, 2, 3, 4, 5],
      });
      // Replace the 2020-01-03 slice: B disappears, A changes, D appears, 01-02 untouched.
      const result = await replaceRows(ds, { ...spec, scope: ["date"] }, [
        { symbol: "A", date: "2020-01-03", close: 30, volume: 30 },
        { symbol: "D", date: "2020-01-03", close: 60, volume: 60 },
      ]);
      assert.deepEqual(result, { deleted: 3, written: 2 });
      assert.deepEqual(
        (await selectPrices(ds, schema)).map((r) => `${r.symbol}@${r.date}=${r.close}`),
        ["A@2020-01-02=1", "A@2020-01-03=30", "B@2020-01-02=2", "D@2020-01-03=60"],
      );
      assert.equal(
        await bulkDelete(ds, { table: `${schema}.prices`, keys: [{ name: "symbol", pgType: "text" }] }, { symbol: ["A", "Z"] }),
        2,
      );
      assert.deepEqual(
        (await selectPrices(ds, schema)).map((r) => r.symbol),
        ["B", "D"],
      );
      await ds.query(`DELETE FROM "${schema}".prices`);
    });

    it("upserts the shared real price file and reads the same values back", async (t: TestContext) => {
      const csv = await readPriceCsv();
      const spec = priceSpec(schema);
      const n = await bulkUpsert(ds, spec, csv);
      assert.equal(n, csv.symbol.length);
      assert.equal(await count(ds, `"${schema}".prices`), csv.symbol.length);
      for (const i of [0, Math.floor(csv.symbol.length / 2), csv.symbol.length - 1]) {
        const [row] = (await ds.query(`SELECT close, volume FROM "${schema}".prices WHERE symbol = $1 AND date = $2`, [
          csv.symbol[i],
          csv.date[i],
        ])) as { close: number | null; volume: string | null }[];
        assert.equal(row!.close, Number.isNaN(csv.close[i]!) ? null : csv.close[i]);
        assert.equal(row!.volume, Number.isNaN(csv.volume[i]!) ? null : String(csv.volume[i]));
      }
      t.diagnostic(`${name}: ${csv.symbol.length} real price rows`);
      await ds.query(`DELETE FROM "${schema}".prices`);
    });

    it("upserts 100k rows, then updates all of them on conflict", async (t: TestContext) => {
      const spec = priceSpec(schema);
      const symbols = 400;
      const days = 250;
      const rows = { symbol: [] as string[], date: [] as string[], close: new Float64Array(symbols * days), volume: [] as number[] };
      const start = Date.UTC(2019, 0, 1);
      for (let s = 0; s < symbols; s++) {
        for (let d = 0; d < days; d++) {
          const i = s * days + d;
          rows.symbol.push(`S${s}`);
          rows.date.push(new Date(start + d * 86_400_000).toISOString().slice(0, 10));
          rows.close[i] = 100 + s + d / 100;
          rows.volume.push(i);
        }
      }
      let t0 = performance.now();
      assert.equal(await bulkUpsert(ds, spec, rows), 100_000);
      const insertMs = performance.now() - t0;
      for (let i = 0; i < rows.close.length; i++) rows.close[i]! *= 2;
      t0 = performance.now();
      assert.equal(await bulkUpsert(ds, spec, rows), 100_000);
      const updateMs = performance.now() - t0;
      t.diagnostic(
        `${name}: insert ${Math.round(100_000 / (insertMs / 1000))} rows/s, conflict-update ${Math.round(100_000 / (updateMs / 1000))} rows/s (diagnostic only)`,
      );
      assert.equal(await count(ds, `"${schema}".prices`), 100_000);
      const [row] = (await ds.query(`SELECT close FROM "${schema}".prices WHERE symbol = 'S399' AND date = $1`, [rows.date[249]])) as {
        close: number;
      }[];
      assert.equal(row!.close, rows.close[399 * days + 249]);
    });
  });
}

backendSuite("real Postgres", () => REAL_PG_URL, { dropSchema: true });

let embedded: EmbeddedPostgres | undefined;
describe("embedded PGlite", () => {
  before(async () => {
    embedded = await startEmbeddedPostgres();
  });
  after(async () => {
    await embedded?.close();
  });
  backendSuite("over pglite-socket", () => embedded!.url, { dropSchema: false });
});
