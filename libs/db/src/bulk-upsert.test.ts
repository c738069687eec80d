import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildUpsertSql, bulkUpsert, BulkWriteError } from "./bulk-upsert.js";
import { buildDeleteSql } from "./bulk-delete.js";
import type { PgLike } from "./queryable.js";

const prices = {
  table: "marketdata.daily_prices",
  columns: [
    { name: "symbol", pgType: "text" },
    { name: "date", pgType: "date" },
    { name: "close", pgType: "float8" },
  ],
  conflict: ["symbol", "date"],
} as const;

/** A fake pg client recording statements; answers like Postgres would for the CTE count. */
function recorder(): PgLike & { calls: { sql: string; params: unknown[] }[] } {
  const calls: { sql: string; params: unknown[] }[] = [];
  return {
    calls,
    async query(sql: string, params: unknown[] = []) {
      calls.push({ sql, params });
      const first = params[0];
      return { rows: [{ n: Array.isArray(first) ? first.length : 0 }] };
    },
  };
}

describe("buildUpsertSql", () => {
  it("updates every non-conflict column by default", () => {
    assert.equal(
      buildUpsertSql(prices),
      'WITH written AS (INSERT INTO "marketdata"."daily_prices" AS target ("symbol", "date", "close") ' +
        "SELECT * FROM unnest($1::text[], $2::date[], $3::float8[]) " +
        'ON CONFLICT ("symbol", "date") DO UPDATE SET "close" = EXCLUDED."close" RETURNING 1) ' +
        "SELECT count(*)::int AS n FROM written",
    );
  });

  it("uses DO NOTHING for update: []", () => {
    assert.match(buildUpsertSql({ ...prices, update: [] }), /ON CONFLICT \("symbol", "date"\) DO NOTHING RETURNING 1/);
  });

  it("uses DO NOTHING when every column is a conflict column", () => {
    const sql = buildUpsertSql({ table: "s.t", columns: [{ name: "a", pgType: "int4" }], conflict: ["a"] });
    assert.match(sql, /DO NOTHING/);
  });

  it("adds an IS DISTINCT FROM guard with skipUnchanged", () => {
    assert.match(
      buildUpsertSql({ ...prices, skipUnchanged: true }),
      /WHERE ROW\(target\."close"\) IS DISTINCT FROM ROW\(EXCLUDED\."close"\)/,
    );
  });

  it("quotes identifiers so names cannot inject SQL", () => {
    const sql = buildUpsertSql({
      table: 's.t"x',
      columns: [{ name: 'a"; DROP TABLE x; --', pgType: "text" }],
      conflict: ['a"; DROP TABLE x; --'],
    });
    assert.ok(sql.includes('"s"."t""x"'));
    assert.ok(sql.includes('"a""; DROP TABLE x; --"'));
  });

  it("sends array columns as literal text[] parameters cast back in the select list", () => {
    const sql = buildUpsertSql({
      table: "risk.position_betas",
      columns: [
        { name: "date", pgType: "date" },
        { name: "betas", pgType: "float8[]" },
      ],
      conflict: ["date"],
    });
    assert.match(sql, /SELECT u\.c0, u\.c1::float8\[\] FROM unnest\(\$1::date\[\], \$2::text\[\]\) AS u\(c0, c1\)/);
    assert.throws(() => buildDeleteSql({ table: "t", keys: [{ name: "k", pgType: "text[]" }] }), /cannot be an array/);
  });

  it("rejects invalid specs", () => {
    assert.throws(() => buildUpsertSql({ ...prices, conflict: [] }), /conflict columns are required/);
    assert.throws(() => buildUpsertSql({ ...prices, conflict: ["nope"] }), /conflict column nope/);
    assert.throws(() => buildUpsertSql({ ...prices, update: ["symbol"] }), /is a conflict column/);
    assert.throws(() => buildUpsertSql({ ...prices, update: ["nope"] }), /update column nope/);
    assert.throws(
      () => buildUpsertSql({ ...prices, columns: [...prices.columns, { name: "close", pgType: "float8" }] }),
      /duplicate column close/,
    );
    assert.throws(() => buildUpsertSql({ ...prices, columns: [{ name: "x", pgType: "text; drop" as "text" }] }), /unsupported column type/);
  });
});

describe("buildDeleteSql", () => {
  it("joins the table against unnest of the key arrays", () => {
    assert.equal(
      buildDeleteSql({
        table: "s.t",
        keys: [
          { name: "a", pgType: "text" },
          { name: "d", pgType: "date" },
        ],
      }),
      'WITH deleted AS (DELETE FROM "s"."t" AS target USING unnest($1::text[], $2::date[]) AS k("a", "d") ' +
        'WHERE target."a" = k."a" AND target."d" = k."d" RETURNING 1) SELECT count(*)::int AS n FROM deleted',
    );
  });
});

describe("bulkUpsert (statement shaping, fake client)", () => {
  it("does not touch the database for empty input", async () => {
    const db = recorder();
    assert.equal(await bulkUpsert(db, prices, []), 0);
    assert.equal(await bulkUpsert(db, prices, { symbol: [], date: [], close: [] }), 0);
    assert.equal(db.calls.length, 0);
  });

  it("batches columnar rows and wraps several batches in one transaction", async () => {
    const db = recorder();
    const n = await bulkUpsert(
      db,
      prices,
      {
        symbol: ["A", "B", "C", "D", "E"],
        date: ["2020-01-02", "2020-01-02", "2020-01-03", "2020-01-03", "2020-01-06"],
        close: new Float64Array([1, NaN, 3, 4, 5]),
      },
      { batchSize: 2 },
    );
    assert.equal(n, 5);
    assert.deepEqual(
      db.calls.map((c) => (c.sql.startsWith("WITH") ? "upsert" : c.sql)),
      ["BEGIN", "upsert", "upsert", "upsert", "COMMIT"],
    );
    assert.deepEqual(db.calls[1]!.params, [
      ["A", "B"],
      ["2020-01-02", "2020-01-02"],
      [1, null],
    ]);
    assert.deepEqual(db.calls[3]!.params, [["E"], ["2020-01-06"], [5]]);
  });

  it("converts row objects, missing properties becoming NULL", async () => {
    const db = recorder();
    await bulkUpsert(db, prices, [
      { symbol: "A", date: new Date(Date.UTC(2020, 0, 2)), close: 1.5 },
      { symbol: "B", date: "2020-01-03" },
    ]);
    assert.deepEqual(db.calls[0]!.params, [
      ["A", "B"],
      ["2020-01-02", "2020-01-03"],
      [1.5, null],
    ]);
  });

  it("rejects ragged columnar input before writing", async () => {
    const db = recorder();
    await assert.rejects(bulkUpsert(db, prices, { symbol: ["A"], date: ["2020-01-02"], close: [1, 2] }), /close has 2 values, expected 1/);
    await assert.rejects(bulkUpsert(db, prices, { symbol: ["A"], date: ["2020-01-02"] }), /lack column close/);
    assert.equal(db.calls.length, 0);
  });

  it("rolls back and wraps the driver error when a batch fails", async () => {
    const calls: string[] = [];
    let upserts = 0;
    const db: PgLike = {
      async query(sql: string) {
        calls.push(sql.startsWith("WITH") ? "upsert" : sql);
        if (sql.startsWith("WITH") && ++upserts === 2) throw new Error("boom");
        return { rows: [{ n: 1 }] };
      },
    };
    const err = await bulkUpsert(
      db,
      prices,
      { symbol: ["A", "B"], date: ["2020-01-02", "2020-01-02"], close: [1, 2] },
      { batchSize: 1 },
    ).catch((e: unknown) => e);
    assert.ok(err instanceof BulkWriteError);
    assert.equal((err.cause as Error).message, "boom");
    assert.deepEqual(calls, ["BEGIN", "upsert", "upsert", "ROLLBACK"]);
  });
});
