/** array_send decoders against real Postgres (127.0.0.1:5432): what the server sends is what we read, bit for bit. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { boolArrayFromSend, float8ArrayFromSend, int4ArrayFromSend, textArrayFromSend } from "./array-send.js";

const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

describe("array_send decoders on real Postgres", () => {
  let pool: pg.Pool;
  before(() => {
    pool = new pg.Pool({ connectionString: URL, max: 1 });
  });
  after(async () => {
    await pool?.end();
  });
  const one = async (sql: string): Promise<Buffer> => (await pool.query<{ b: Buffer }>(`SELECT ${sql} AS b`)).rows[0]!.b;

  it("float8[]: every value bit-exact (NaN, -0, ±Infinity, subnormals), NULL elements as NaN, empty", async () => {
    const values = [1.5, -0, Number.MIN_VALUE, -Number.MAX_VALUE, 0.1 + 0.2, 1e21, 2.225073858507201e-308];
    const got = float8ArrayFromSend(
      await one(
        `array_send(ARRAY[${values.map((v) => (Object.is(v, -0) ? "'-0'" : `'${v}'`)).join(",")}, 'NaN', 'Infinity', '-Infinity', NULL]::float8[])`,
      ),
    );
    values.forEach((v, i) => assert.ok(Object.is(got[i], v), `${i}: ${got[i]} vs ${v}`));
    assert.ok(Number.isNaN(got[values.length]!));
    assert.equal(got[values.length + 1], Number.POSITIVE_INFINITY);
    assert.equal(got[values.length + 2], Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(got[values.length + 3]!), "NULL element");
    assert.equal(float8ArrayFromSend(await one("array_send('{}'::float8[])")).length, 0);
  });

  it("int4[], text[] (quotes, commas, unicode, empty strings) and bool[]", async () => {
    assert.deepEqual(
      Array.from(int4ArrayFromSend(await one("array_send(ARRAY[-2147483648, 0, 2147483647]::int4[])"))),
      [-2147483648, 0, 2147483647],
    );
    const texts = ["a", "", 'quo"te, comma', "ünïcødé ✓ 𝄞", "back\\slash", "NULL"];
    const lit = `ARRAY[${texts.map((t) => `'${t.replaceAll("'", "''")}'`).join(",")}]::text[]`;
    assert.deepEqual(textArrayFromSend(await one(`array_send(${lit})`)), texts);
    assert.deepEqual(Array.from(boolArrayFromSend(await one("array_send(ARRAY[true, false, true]::bool[])"))), [1, 0, 1]);
    assert.deepEqual(textArrayFromSend(await one("array_send('{}'::text[])")), []);
  });

  it("refuses another element type, a 2-D array, a NULL element where no value stands for it, and non-buffers", async () => {
    await assert.rejects(async () => float8ArrayFromSend(await one("array_send(ARRAY[1]::int4[])")), RangeError);
    await assert.rejects(async () => float8ArrayFromSend(await one("array_send(ARRAY[[1,2],[3,4]]::float8[])")), RangeError);
    await assert.rejects(async () => int4ArrayFromSend(await one("array_send(ARRAY[1, NULL]::int4[])")), /NULL/);
    await assert.rejects(async () => textArrayFromSend(await one("array_send(ARRAY['a', NULL]::text[])")), /NULL/);
    assert.throws(() => float8ArrayFromSend("{1,2}" as unknown as Buffer), RangeError);
  });
});
