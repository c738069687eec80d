/**
 * COPY write path (bulk-copy.ts) against real Postgres (127.0.0.1:5432) and the embedded PGlite:
 * a property test that the COPY and unnest paths store byte-identical rows for random values
 * (NaN, ±0, subnormals, huge values, ±Infinity, NULLs, awkward text), both modes, the transaction
 * rules and the errors. Each run uses its own schema, dropped at the end.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { DataSource } from "typeorm";
import { bulkWrite } from "./bulk-copy.js";
import { BulkWriteError, type UpsertSpec } from "./bulk-upsert.js";
import { closeDataSource, createDataSource } from "./data-source.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded-postgres.js";
import { ColumnValueError } from "./pg-types.js";

const REAL_PG_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const DDL = `(k int4 PRIMARY KEY, s text, d date, x float8, y float8, i2 int2, i8 int8, b bool, j jsonb, raw bytea, v varchar(40), u uuid,
  fa float8[], ta text[], ba bool[], ia int4[], sa int2[])`;
const spec = (table: string): UpsertSpec => ({
  table,
  columns: [
    { name: "k", pgType: "int4" },
    { name: "s", pgType: "text" },
    { name: "d", pgType: "date" },
    { name: "x", pgType: "float8" },
    { name: "y", pgType: "float8" },
    { name: "i2", pgType: "int2" },
    { name: "i8", pgType: "int8" },
    { name: "b", pgType: "bool" },
    { name: "j", pgType: "jsonb" },
    { name: "raw", pgType: "bytea" },
    { name: "v", pgType: "varchar" },
    { name: "u", pgType: "uuid" },
    { name: "fa", pgType: "float8[]" },
    { name: "ta", pgType: "text[]" },
    { name: "ba", pgType: "bool[]" },
    { name: "ia", pgType: "int4[]" },
    { name: "sa", pgType: "int2[]" },
  ],
  conflict: ["k"],
});

/** Deterministic PRNG (mulberry32) so a failure reproduces from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const SPECIAL_FLOATS = [
  0,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MIN_VALUE, // smallest subnormal
  -Number.MIN_VALUE,
  2.2250738585072014e-308, // smallest normal
  2.225073858507201e-308, // largest subnormal
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  1e21,
  1e-7,
  0.1 + 0.2,
  Number.EPSILON,
  null,
  undefined,
];
const TEXTS = ["", "plain", 'quote " and, comma', "line\nbreak\r\n", "back\\slash \\. end", "\\.", "ünïcødé ✓ 𝄞", " padded ", "NULL"];

/** Random rows in columnar form: keys `first..first+n-1`, every column exercising its edge values. */
function randomRows(seed: number, first: number, n: number) {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const float = () => {
    const u = r();
    if (u < 0.3) return pick(SPECIAL_FLOATS);
    // Random bit patterns cover every exponent, subnormals included (NaN payloads become NULL anyway).
    if (u < 0.6) return new Float64Array(new Uint32Array([(r() * 2 ** 32) >>> 0, (r() * 2 ** 32) >>> 0]).buffer)[0]!;
    return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
  };
  const rows = {
    k: [] as number[],
    s: [] as (string | null)[],
    d: [] as (string | null)[],
    x: new Float64Array(n),
    y: [] as (number | null | undefined)[],
    i2: new Float64Array(n), // the typed-array fast path of the encoder (NaN = NULL)
    i8: [] as (number | string | null)[],
    b: [] as (boolean | null)[],
    j: [] as unknown[],
    raw: [] as (Uint8Array | null)[],
    v: [] as (string | null)[],
    u: [] as (string | null)[],
    fa: [] as (Float64Array | number[] | null)[],
    ta: [] as (string[] | null)[],
    ba: [] as (boolean[] | null)[],
    ia: [] as (number[] | null)[],
    sa: [] as (Float64Array | null)[],
  };
  for (let i = 0; i < n; i++) {
    rows.k.push(first + i);
    rows.s.push(r() < 0.1 ? null : pick(TEXTS) + String(Math.floor(r() * 1000)));
    const year = 1 + Math.floor(r() * 9998);
    const month = 1 + Math.floor(r() * 12);
    rows.d.push(
      r() < 0.1
        ? null
        : `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(1 + Math.floor(r() * 28)).padStart(2, "0")}`,
    );
    const x = float();
    rows.x[i] = x === null || x === undefined ? Number.NaN : x;
    rows.y.push(float());
    rows.i2[i] = r() < 0.1 ? Number.NaN : pick([-32768, 32767, 0, -1, Math.floor(r() * 65536) - 32768]);
    rows.i8.push(
      r() < 0.1
        ? null
        : pick([
            Number.MAX_SAFE_INTEGER,
            -Number.MAX_SAFE_INTEGER,
            0,
            "9223372036854775807",
            "-9223372036854775808",
            Math.floor(r() * 1e12),
          ]),
    );
    rows.b.push(r() < 0.2 ? null : r() < 0.5);
    rows.j.push(r() < 0.2 ? null : { a: Math.floor(r() * 100), t: pick(TEXTS), n: [1, 2.5, null] });
    rows.raw.push(r() < 0.2 ? null : Uint8Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 256)));
    rows.v.push(r() < 0.2 ? null : pick(TEXTS));
    const hex = Array.from({ length: 32 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");
    const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    rows.u.push(r() < 0.2 ? null : r() < 0.5 ? uuid : uuid.toUpperCase());
    // Packed arrays: NaN elements are values (kept, not NULL); empty arrays and NULL arrays too.
    const len = Math.floor(r() * 6);
    const elems = Array.from({ length: len }, () => {
      const x = float();
      return x === null || x === undefined ? Number.NaN : x;
    });
    rows.fa.push(r() < 0.1 ? null : r() < 0.5 ? Float64Array.from(elems) : elems);
    rows.ta.push(r() < 0.1 ? null : Array.from({ length: len }, () => pick(TEXTS)));
    rows.ba.push(r() < 0.1 ? null : Array.from({ length: len }, () => r() < 0.5));
    rows.ia.push(r() < 0.1 ? null : Array.from({ length: len }, () => pick([-2147483648, 2147483647, 0, Math.floor(r() * 1000)])));
    rows.sa.push(r() < 0.1 ? null : Float64Array.from({ length: len }, () => pick([-32768, 32767, 0, -1])));
  }
  return rows;
}

/** Every row as Postgres prints it plus the exact bytes of the float columns (text hides nothing, but be sure). */
async function contents(client: pg.Pool | pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ t: string }>(
    `SELECT t::text || ' ' || coalesce(encode(float8send(x), 'hex'), '-') || ' ' || coalesce(encode(float8send(y), 'hex'), '-') AS t
       FROM ${table} t ORDER BY k`,
  );
  return rows.map((r) => r.t);
}

describe("bulkWrite (COPY) on real Postgres", () => {
  const schema = `test_copy_${randomBytes(4).toString("hex")}`;
  const pool = new pg.Pool({ connectionString: REAL_PG_URL, max: 3 });

  before(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    for (const t of ["via_copy", "via_insert", "via_unnest"]) await pool.query(`CREATE TABLE ${schema}.${t} ${DDL}`);
  });
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it("stores byte-identical rows through COPY (upsert and insert) and unnest, for random edge values", async () => {
    for (const seed of [1, 2, 3]) {
      for (const t of ["via_copy", "via_insert", "via_unnest"]) await pool.query(`TRUNCATE ${schema}.${t}`);
      const rows = randomRows(seed, 0, 3000);
      assert.equal(await bulkWrite(pool, spec(`${schema}.via_copy`), rows, { path: "copy" }), 3000);
      assert.equal(await bulkWrite(pool, spec(`${schema}.via_insert`), rows, { path: "copy", mode: "insert" }), 3000);
      assert.equal(await bulkWrite(pool, spec(`${schema}.via_unnest`), rows, { path: "unnest", batchSize: 700 }), 3000);
      // Overlapping second write: half the keys updated, half new (the merge path of both).
      const more = randomRows(seed + 100, 1500, 3000);
      assert.equal(await bulkWrite(pool, spec(`${schema}.via_copy`), more, { path: "copy" }), 3000);
      assert.equal(await bulkWrite(pool, spec(`${schema}.via_unnest`), more, { path: "unnest" }), 3000);
      const copied = await contents(pool, `${schema}.via_copy`);
      const unnested = await contents(pool, `${schema}.via_unnest`);
      assert.equal(copied.length, 4500);
      assert.deepEqual(copied, unnested, `seed ${seed}`);
      // The insert-mode table holds the first batch exactly as the first half of an upsert would.
      const inserted = await contents(pool, `${schema}.via_insert`);
      assert.deepEqual(inserted.slice(0, 1500), copied.slice(0, 1500));
    }
    // The edge values really are stored as such (not all turned into NULL or 0).
    const { rows } = await pool.query<{ negzero: number; sub: number; inf: number; nulls: number }>(
      `SELECT count(*) FILTER (WHERE x = 0 AND float8send(x) = '\\x8000000000000000')::int AS negzero,
              count(*) FILTER (WHERE abs(x) > 0 AND abs(x) < 2.2250738585072014e-308)::int AS sub,
              count(*) FILTER (WHERE x = 'Infinity' OR x = '-Infinity')::int AS inf,
              count(*) FILTER (WHERE x IS NULL)::int AS nulls
         FROM ${schema}.via_copy`,
    );
    const c = rows[0]!;
    assert.ok(c.negzero > 0 && c.sub > 0 && c.inf > 0 && c.nulls > 0, JSON.stringify(c));
  });

  it("round-trips float8 exactly: the values read back equal the JS numbers (NaN → NULL)", async () => {
    await pool.query(`TRUNCATE ${schema}.via_copy`);
    const x = Float64Array.from([0, -0, Number.MIN_VALUE, Number.MAX_VALUE, 1 / 3, -1e-300, Number.NaN, Number.NEGATIVE_INFINITY]);
    const k = Array.from(x, (_, i) => i);
    await bulkWrite(
      pool,
      {
        table: `${schema}.via_copy`,
        columns: spec("")
          .columns.slice(0, 4)
          .filter((c) => c.name !== "s" && c.name !== "d"),
        conflict: ["k"],
      },
      { k, x },
      { path: "copy" },
    );
    const { rows } = await pool.query<{ x: number | null }>(`SELECT x FROM ${schema}.via_copy ORDER BY k`);
    rows.forEach((r, i) => {
      if (Number.isNaN(x[i])) assert.equal(r.x, null);
      else assert.ok(Object.is(r.x, x[i]), `${i}: ${r.x} vs ${x[i]}`);
    });
  });

  it("insert mode fails on an existing key and leaves nothing written", async () => {
    await pool.query(`TRUNCATE ${schema}.via_insert`);
    await bulkWrite(pool, spec(`${schema}.via_insert`), randomRows(7, 0, 10), { mode: "insert" });
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_insert`), randomRows(8, 5, 10), { mode: "insert" }), BulkWriteError);
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.via_insert`);
    assert.equal(rows[0]!.n, 10);
  });

  it("a bad value mid-stream is a ColumnValueError; the transaction rolls back and the pool stays usable", async () => {
    await pool.query(`TRUNCATE ${schema}.via_copy`);
    const rows = randomRows(9, 0, 20_000);
    rows.i2[15_000] = 40_000; // out of int2 range, after the first chunks went out
    await assert.rejects(
      bulkWrite(pool, spec(`${schema}.via_copy`), rows),
      (e: unknown) => e instanceof ColumnValueError && /i2\[15000\]/.test(e.message),
    );
    const fractional = randomRows(10, 0, 5);
    fractional.i2[2] = 1.5;
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_copy`), fractional), /i2\[2\]: expected a safe integer/);
    const bad = randomRows(10, 0, 5);
    bad.d[3] = "2024-02-30";
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_copy`), bad, { mode: "insert" }), ColumnValueError);
    const badElement = randomRows(10, 0, 5);
    badElement.ia[4] = [1, 2.5];
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_copy`), badElement, { mode: "insert" }), /ia\[4\]: expected integer elements/);
    const badArray = randomRows(10, 0, 5);
    (badArray.ta as unknown[])[0] = "{not,an,array}";
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_copy`), badArray, { mode: "insert" }), /ta\[0\]: expected an array/);
    const badUuid = randomRows(10, 0, 5);
    badUuid.u[1] = "not-a-uuid";
    await assert.rejects(bulkWrite(pool, spec(`${schema}.via_copy`), badUuid, { mode: "insert" }), /u\[1\]: not a uuid/);
    const { rows: n } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.via_copy`);
    assert.equal(n[0]!.n, 0);
    assert.equal(await bulkWrite(pool, spec(`${schema}.via_copy`), randomRows(11, 0, 50)), 50);
  });

  it("joins a TypeORM transaction: a rollback after the COPY discards it", async () => {
    const ds: DataSource = await createDataSource({ url: REAL_PG_URL, schema, entities: [], migrations: [], poolSize: 2 });
    try {
      await pool.query(`TRUNCATE ${schema}.via_copy`);
      await assert.rejects(
        ds.transaction(async (em) => {
          assert.equal(await bulkWrite(em, spec(`${schema}.via_copy`), randomRows(12, 0, 100), { mode: "insert" }), 100);
          const [row] = (await em.query(`SELECT count(*)::int AS n FROM ${schema}.via_copy`)) as { n: number }[];
          assert.equal(row!.n, 100);
          throw new Error("abort");
        }),
        /abort/,
      );
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.via_copy`);
      assert.equal(rows[0]!.n, 0);
      assert.equal(await bulkWrite(ds, spec(`${schema}.via_copy`), randomRows(13, 0, 100)), 100);
    } finally {
      await closeDataSource(ds);
    }
  });
});

describe("bulkWrite on the embedded PGlite takes the unnest path", () => {
  let embedded: EmbeddedPostgres;
  let client: pg.Client;
  before(async () => {
    embedded = await startEmbeddedPostgres();
    client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    await client.query(`CREATE SCHEMA e`);
    await client.query(`CREATE TABLE e.t ${DDL}`);
  });
  after(async () => {
    await client?.end();
    await embedded?.close();
  });

  it("writes (auto) and refuses a forced COPY instead of hanging the socket", async () => {
    const rows = randomRows(21, 0, 500);
    assert.equal(await bulkWrite(client, spec("e.t"), rows), 500);
    assert.equal(await bulkWrite(client, spec("e.t"), randomRows(22, 250, 500), { mode: "upsert" }), 500);
    await assert.rejects(bulkWrite(client, spec("e.t"), rows, { path: "copy" }), /not available/);
    const { rows: n } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM e.t");
    assert.equal(n[0]!.n, 750);
  });
});
