/**
 * Bulk write through `COPY ... FROM STDIN (FORMAT binary)` (pg-copy-streams) on real Postgres, with the
 * unnest path of bulk-upsert.ts on the embedded PGlite (where COPY over the socket hangs the protocol).
 *
 * Why COPY: one streamed statement whatever the row count, no per-row parsing of array literals on the
 * server and no decimal formatting of every float on the client. Binary rather than CSV: a float8 is
 * its 8 IEEE bytes, so every value (NaN bits aside, see the null rules) round-trips exactly, -0 and
 * subnormals included, and encoding is ~4× cheaper than the shortest-round-trip `String(x)` the
 * text paths pay per value.
 *
 * Two shapes, chosen by `mode`:
 * - "insert" (rows known new, e.g. after the caller deleted the range): COPY straight into the table
 *   when the table's column types equal the spec's; a key conflict is an error.
 * - "upsert" (default): COPY into a TEMP staging table typed by the spec, then ONE
 *   `INSERT ... SELECT ... ON CONFLICT ... DO UPDATE` merge (the same statement the unnest path runs,
 *   over a different source), then the staging table is dropped.
 * Both run inside the caller's transaction (or one of their own), so nothing is half-written.
 *
 * Values follow the null rules of pg-types.ts on both paths (NaN → NULL for numeric columns, etc.),
 * so the COPY and unnest paths store byte-identical rows (property-tested in bulk-copy.int.test.ts).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import {
  buildWriteSql,
  BulkWriteError,
  type BulkWriteOptions,
  errorText,
  unnestWrite,
  type UpsertSpec,
  validateSpec,
} from "./bulk-upsert.js";
import { quoteIdent, quoteQualified } from "./identifiers.js";
import {
  type ArrayPgType,
  ColumnValueError,
  type ColumnSpec,
  converterFor,
  type Converter,
  isArrayPgType,
  type PgType,
} from "./pg-types.js";
import { isEntityManager, isQueryRunner, queryRows, withTransaction, type PgLike, type Queryable } from "./queryable.js";
import { toColumnar, type Columnar, type RowsInput } from "./rows.js";

/** Options of {@link bulkWrite}. */
export interface BulkCopyOptions extends BulkWriteOptions {
  /**
   * "upsert" (default): a conflicting row is updated per the spec. "insert": the rows are known to be
   * new (the caller deleted their range in the same transaction); a conflict fails the write.
   */
  readonly mode?: "upsert" | "insert";
  /**
   * Which path to take: "auto" (default) = COPY on real Postgres when every column type has a binary
   * encoder here, unnest otherwise (PGlite, or e.g. a numeric column). "unnest" forces the unnest path
   * (tests, benchmarks); "copy" forces COPY and fails on PGlite or an unsupported type.
   * Default: the `SIGMA_BULK_PATH` environment variable if set (so a benchmark can measure the unnest
   * path through unchanged services), else "auto".
   */
  readonly path?: "auto" | "copy" | "unnest";
}

/**
 * The column types with a binary COPY encoder below (others take the unnest path), each with its
 * `format_type()` spelling: a direct COPY needs the table's types to be exactly these.
 */
const FORMAT_TYPE: Partial<Record<PgType, (t: string) => boolean>> = {
  text: (t) => t === "text",
  uuid: (t) => t === "uuid",
  varchar: (t) => t.startsWith("character varying"),
  date: (t) => t === "date",
  float8: (t) => t === "double precision",
  int2: (t) => t === "smallint",
  int4: (t) => t === "integer",
  int8: (t) => t === "bigint",
  bool: (t) => t === "boolean",
  json: (t) => t === "json",
  jsonb: (t) => t === "jsonb",
  bytea: (t) => t === "bytea",
  "float8[]": (t) => t === "double precision[]",
  "int4[]": (t) => t === "integer[]",
  "int2[]": (t) => t === "smallint[]",
  "bool[]": (t) => t === "boolean[]",
  "text[]": (t) => t === "text[]",
};

/** Column types with a binary COPY encoder (the keys of FORMAT_TYPE). */
const COPY_TYPES: ReadonlySet<string> = new Set(Object.keys(FORMAT_TYPE));

/** Target size of one chunk handed to the COPY stream (bounded memory whatever the row count). */
const CHUNK_BYTES = 1 << 20;

/**
 * Writes many rows with as few statements as possible: COPY (binary) on real Postgres, the unnest
 * upsert on PGlite or for column types without a binary encoder. Same contract as
 * {@link import("./bulk-upsert.js").bulkUpsert} (null rules, de-duplicate conflict keys first).
 *
 * @param q - TypeORM DataSource/EntityManager/QueryRunner or a pg Pool/Client. Inside a TypeORM
 *   transaction the write joins it; otherwise it runs in its own (with `atomic: false` on a raw pg
 *   client, the caller's transaction is assumed).
 * @param spec - table, columns (types must match the table's for a direct COPY; otherwise staging
 *   casts like the unnest path), conflict and update columns.
 * @param rows - columnar `{ col: values[] }` (typed arrays welcome) or row objects.
 * @param options - mode (upsert / insert), path, batch size of the unnest path, atomicity.
 * @returns rows inserted or updated (0 for empty input, without touching the database).
 * @throws TypeError for an invalid spec or ragged input; ColumnValueError for a value that does not fit
 *   its column; BulkWriteError (driver error as cause) when a statement fails, e.g. a key conflict in
 *   "insert" mode.
 */
export async function bulkWrite(q: Queryable, spec: UpsertSpec, rows: RowsInput, options: BulkCopyOptions = {}): Promise<number> {
  validateSpec(spec);
  const mode = options.mode ?? "upsert";
  const path = options.path ?? defaultPath();
  const data = toColumnar(spec.columns, rows);
  if (data.length === 0) return 0;
  const copyable = spec.columns.every((c) => COPY_TYPES.has(c.pgType));
  if (path === "copy" && !copyable) {
    throw new TypeError(`${spec.table}: COPY has no encoder for ${spec.columns.find((c) => !COPY_TYPES.has(c.pgType))!.pgType}`);
  }
  const run = async (tx: Queryable): Promise<number> => {
    const client = path === "unnest" || !copyable ? undefined : pgClientOf(tx);
    if (client && !(await isEmbedded(client))) return copyWrite(client, spec, data, mode);
    if (path === "copy") throw new TypeError(`${spec.table}: COPY is not available on this connection (embedded PGlite or no pg client)`);
    return unnestWrite(tx, spec, rows, { ...options, atomic: false }, mode);
  };
  const rawClient = !isQueryRunner(q) && !isEntityManager(q) && isPgClient(q);
  return options.atomic === false && rawClient ? run(q) : withTransaction(q, run);
}

const PATHS = ["auto", "copy", "unnest"] as const;

function defaultPath(): "auto" | "copy" | "unnest" {
  const v = process.env.SIGMA_BULK_PATH;
  if (v === undefined || v === "") return "auto";
  if (!(PATHS as readonly string[]).includes(v))
    throw new TypeError(`SIGMA_BULK_PATH must be one of ${PATHS.join(", ")}, got ${JSON.stringify(v)}`);
  return v as (typeof PATHS)[number];
}

/** A node-postgres Client/PoolClient: `query()` also accepts a submittable such as a COPY stream. */
interface PgClient extends PgLike {
  query(submittable: ReturnType<typeof copyFrom>): ReturnType<typeof copyFrom>;
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

function isPgClient(q: unknown): q is PgClient {
  return typeof (q as PgLike).query === "function" && typeof q === "object" && q !== null && "connectionParameters" in q;
}

/** The pg client under a handle: a QueryRunner's (or a transactional EntityManager's) connection, or the client itself. */
function pgClientOf(q: Queryable): PgClient | undefined {
  const runner = isQueryRunner(q) ? q : isEntityManager(q) ? q.queryRunner : undefined;
  const conn: unknown = runner ? (runner as unknown as { databaseConnection?: unknown }).databaseConnection : q;
  return isPgClient(conn) ? conn : undefined;
}

/** Whether each pg client talks to PGlite, asked once per client (`version()` names PGlite / emscripten). */
const embeddedByClient = new WeakMap<object, boolean>();

async function isEmbedded(client: PgClient): Promise<boolean> {
  let known = embeddedByClient.get(client);
  if (known === undefined) {
    const [row] = await queryRows<{ v: string }>(client, "SELECT version() AS v");
    known = /PGlite|emscripten/i.test(row?.v ?? "");
    embeddedByClient.set(client, known);
  }
  return known;
}

/** Per client: tables whose column types equal a spec's (so binary COPY can go straight in). */
const directOkByClient = new WeakMap<object, Map<string, boolean>>();

async function typesMatch(client: PgClient, spec: UpsertSpec): Promise<boolean> {
  let cache = directOkByClient.get(client);
  if (!cache) directOkByClient.set(client, (cache = new Map()));
  const key = `${spec.table}|${spec.columns.map((c) => `${c.name}:${c.pgType}`).join(",")}`;
  let ok = cache.get(key);
  if (ok === undefined) {
    const rows = await queryRows<{ name: string; type: string }>(
      client,
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
      [quoteQualified(spec.table)],
    );
    const types = new Map(rows.map((r) => [r.name, r.type]));
    ok = spec.columns.every((c) => {
      const t = types.get(c.name);
      return t !== undefined && FORMAT_TYPE[c.pgType]?.(t) === true;
    });
    cache.set(key, ok);
  }
  return ok;
}

let stagingSeq = 0;

async function copyWrite(client: PgClient, spec: UpsertSpec, data: Columnar, mode: "upsert" | "insert"): Promise<number> {
  const cols = spec.columns.map((c) => quoteIdent(c.name)).join(", ");
  if (mode === "insert" && (await typesMatch(client, spec))) {
    return copyInto(client, spec, quoteQualified(spec.table), cols, data);
  }
  // Staging typed by the spec: the merge's INSERT ... SELECT applies the same assignment casts as unnest.
  const stage = `pg_temp.sigma_stage_${process.pid}_${++stagingSeq}`;
  const ddl = spec.columns.map((c) => `${quoteIdent(c.name)} ${c.pgType}`).join(", ");
  await runStatement(client, spec, `CREATE TEMP TABLE ${stage} (${ddl})`, "creating the staging table");
  try {
    await copyInto(client, spec, stage, cols, data);
    const sql = buildWriteSql(spec, `SELECT ${cols} FROM ${stage}`, mode);
    const [row] = await runStatement(client, spec, sql, `merging ${data.length} staged rows`);
    return Number(row?.n ?? 0);
  } finally {
    // In an aborted transaction the DROP fails too; the rollback removes the table, and the original error wins.
    await client.query(`DROP TABLE IF EXISTS ${stage}`).catch(() => undefined);
  }
}

async function runStatement(client: PgClient, spec: UpsertSpec, sql: string, what: string): Promise<{ n?: number }[]> {
  try {
    return await queryRows<{ n?: number }>(client, sql);
  } catch (err) {
    throw new BulkWriteError(spec.table, `${what} failed: ${errorText(err)}`, { cause: err });
  }
}

async function copyInto(client: PgClient, spec: UpsertSpec, target: string, cols: string, data: Columnar): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${target} (${cols}) FROM STDIN (FORMAT binary)`));
  try {
    await pipeline(Readable.from(binaryCopyChunks(spec.columns, data)), stream);
  } catch (err) {
    if (err instanceof ColumnValueError) throw err;
    throw new BulkWriteError(spec.table, `COPY of ${data.length} rows failed: ${errorText(err)}`, { cause: err });
  }
  if (stream.rowCount !== data.length) {
    throw new BulkWriteError(spec.table, `COPY stored ${stream.rowCount} rows, expected ${data.length}`, { cause: undefined });
  }
  return stream.rowCount;
}

/** A growable output buffer with a DataView over it (big-endian writes, as the COPY format wants). */
class Out {
  buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + 4096);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  off = 0;

  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** Hands out the bytes written so far and starts a fresh buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.off);
    this.buf = Buffer.allocUnsafeSlow(CHUNK_BYTES + 4096);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.off = 0;
    return out;
  }
}

type Encoder = (out: Out, v: unknown, column: string, index: number) => void;

const PG_EPOCH_DAYS = 10_957; // 1970-01-01 → 2000-01-01

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil; any year). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A numeric string as Postgres' float8in would read it (decimal, NaN, ±Infinity); others are refused. */
function parseFloatText(s: string, column: string, index: number): number {
  const t = s.trim();
  if (FLOAT_TEXT.test(t)) return Number(t);
  const w = t.toLowerCase();
  if (w === "nan") return Number.NaN;
  if (w === "infinity" || w === "+infinity" || w === "inf" || w === "+inf") return Number.POSITIVE_INFINITY;
  if (w === "-infinity" || w === "-inf") return Number.NEGATIVE_INFINITY;
  throw new ColumnValueError(column, index, `not a float8: ${JSON.stringify(s)}`);
}

function intEncoder(bytes: 2 | 4 | 8): Encoder {
  const lo = bytes === 2 ? -32_768 : -2_147_483_648;
  const hi = bytes === 2 ? 32_767 : 2_147_483_647;
  return (out, v, column, index) => {
    out.ensure(4 + bytes);
    out.view.setInt32(out.off, bytes);
    if (bytes === 8) {
      const b = BigInt(v as number | string);
      if (b < -(2n ** 63n) || b >= 2n ** 63n) throw new ColumnValueError(column, index, `out of range for int8: ${b}`);
      out.view.setBigInt64(out.off + 4, b);
    } else {
      const n = typeof v === "string" ? Number(v) : (v as number);
      if (!(n >= lo && n <= hi)) throw new ColumnValueError(column, index, `out of range for int${bytes}: ${v}`);
      if (bytes === 2) out.view.setInt16(out.off + 4, n);
      else out.view.setInt32(out.off + 4, n);
    }
    out.off += 4 + bytes;
  };
}

const textEncoder: Encoder = (out, v) => {
  const s = v as string;
  out.ensure(4 + s.length * 3);
  const n = out.buf.write(s, out.off + 4, "utf8");
  out.view.setInt32(out.off, n);
  out.off += 4 + n;
};

function dateEncoder(): Encoder {
  // Dates repeat across rows (one per symbol-date): parse each distinct string once.
  const cache = new Map<string, number>();
  return (out, v, column, index) => {
    const s = v as string;
    let days = cache.get(s);
    if (days === undefined) {
      const y = Number(s.slice(0, 4));
      const m = Number(s.slice(5, 7));
      const d = Number(s.slice(8, 10));
      // toDate checked the shape; the calendar check is Postgres' ("date/time field value out of range").
      if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) throw new ColumnValueError(column, index, `not a calendar date: ${s}`);
      days = daysFromCivil(y, m, d) - PG_EPOCH_DAYS;
      cache.set(s, days);
    }
    out.ensure(8);
    out.view.setInt32(out.off, 4);
    out.view.setInt32(out.off + 4, days);
    out.off += 8;
  };
}

const float8Encoder: Encoder = (out, v, column, index) => {
  const x = typeof v === "number" ? v : parseFloatText(String(v), column, index);
  out.ensure(12);
  out.view.setInt32(out.off, 8);
  out.view.setFloat64(out.off + 4, x);
  out.off += 12;
};

const UUID_HEX = /^[0-9a-f]{32}$/i;

/** A uuid as its 16 bytes; accepts the canonical 8-4-4-4-12 form (or 32 hex digits, as Postgres does). */
const uuidEncoder: Encoder = (out, v, column, index) => {
  const s = String(v);
  const hex = s.length === 36 && s[8] === "-" && s[13] === "-" && s[18] === "-" && s[23] === "-" ? s.replaceAll("-", "") : s;
  if (!UUID_HEX.test(hex)) throw new ColumnValueError(column, index, `not a uuid: ${JSON.stringify(s)}`);
  out.ensure(20);
  out.view.setInt32(out.off, 16);
  out.buf.write(hex, out.off + 4, 16, "hex");
  out.off += 20;
};

const boolEncoder: Encoder = (out, v) => {
  out.ensure(5);
  out.view.setInt32(out.off, 1);
  out.buf[out.off + 4] = v ? 1 : 0;
  out.off += 5;
};

const jsonbEncoder: Encoder = (out, v) => {
  const s = v as string;
  out.ensure(5 + s.length * 3);
  out.buf[out.off + 4] = 1; // jsonb binary format version
  const n = out.buf.write(s, out.off + 5, "utf8");
  out.view.setInt32(out.off, n + 1);
  out.off += 5 + n;
};

const byteaEncoder: Encoder = (out, v) => {
  const b = v as Buffer;
  out.ensure(4 + b.length);
  out.view.setInt32(out.off, b.length);
  b.copy(out.buf, out.off + 4);
  out.off += 4 + b.length;
};

function encoderFor(pgType: PgType): Encoder {
  switch (pgType) {
    case "text":
    case "varchar":
    case "json":
      return textEncoder;
    case "uuid":
      return uuidEncoder;
    case "date":
      return dateEncoder();
    case "float8":
      return float8Encoder;
    case "int2":
      return intEncoder(2);
    case "int4":
      return intEncoder(4);
    case "int8":
      return intEncoder(8);
    case "bool":
      return boolEncoder;
    case "jsonb":
      return jsonbEncoder;
    case "bytea":
      return byteaEncoder;
    default:
      throw new TypeError(`no binary COPY encoder for ${pgType}`);
  }
}

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/**
 * Encodes rows in Postgres' binary COPY format, ~1 MiB per yielded chunk: the header, one tuple per
 * row (field count, then each field's length and bytes, -1 for NULL) and the trailer. Values pass
 * through the same converters as the unnest path first (null rules, validation).
 *
 * @param columns - the columns in COPY order (types with an encoder, see COPY_TYPES).
 * @param data - columnar input.
 * @throws ColumnValueError for a value that does not fit its column (index is the row number).
 */
export function* binaryCopyChunks(columns: readonly ColumnSpec[], data: Columnar): Generator<Buffer> {
  const n = columns.length;
  const writers = columns.map((c) => fieldWriter(c, data.columns.get(c.name)!));
  // Fast-path fields write without their own bounds check: one check per row covers them.
  const fixedRowBytes = 2 + writers.reduce((s, w) => s + w.fixedBytes, 0);
  const out = new Out();
  SIGNATURE.copy(out.buf, 0);
  out.view.setInt32(11, 0); // flags: no OIDs
  out.view.setInt32(15, 0); // header extension length
  out.off = 19;
  for (let r = 0; r < data.length; r++) {
    out.ensure(fixedRowBytes);
    out.view.setInt16(out.off, n);
    out.off += 2;
    for (let c = 0; c < n; c++) writers[c]!.write(out, r);
    if (out.off >= CHUNK_BYTES) yield out.take();
  }
  out.ensure(2);
  out.view.setInt16(out.off, -1);
  out.off += 2;
  yield out.take();
}

/** Writes field `r` of one column; `fixedBytes` > 0 means it relies on the per-row bounds check. */
interface FieldWriter {
  readonly fixedBytes: number;
  write(out: Out, r: number): void;
}

/**
 * The writer of one column. Float64Array columns of float8/int2/int4 (the shape analytics travel in)
 * take a fast path with the converters' rules inlined (NaN → NULL, integers checked); everything
 * else goes through the shared converter then the type's encoder.
 */
function fieldWriter(column: ColumnSpec, values: ArrayLike<unknown>): FieldWriter {
  const name = column.name;
  if (isArrayPgType(column.pgType)) return arrayWriter(column.pgType, name, values);
  if (values instanceof Float64Array && column.pgType === "float8") {
    return {
      fixedBytes: 12,
      write(out, r) {
        const x = values[r]!;
        const o = out.off;
        if (Number.isNaN(x)) {
          out.view.setInt32(o, -1);
          out.off = o + 4;
        } else {
          out.view.setInt32(o, 8);
          out.view.setFloat64(o + 4, x); // -0 keeps its sign bit
          out.off = o + 12;
        }
      },
    };
  }
  if (values instanceof Float64Array && (column.pgType === "int4" || column.pgType === "int2")) {
    const bytes = column.pgType === "int4" ? 4 : 2;
    const lo = bytes === 4 ? -2_147_483_648 : -32_768;
    const hi = bytes === 4 ? 2_147_483_647 : 32_767;
    return {
      fixedBytes: 4 + bytes,
      write(out, r) {
        const x = values[r]!;
        const o = out.off;
        if (Number.isNaN(x)) {
          out.view.setInt32(o, -1);
          out.off = o + 4;
          return;
        }
        if (!Number.isSafeInteger(x)) throw new ColumnValueError(name, r, `expected a safe integer, got ${x}`);
        if (x < lo || x > hi) throw new ColumnValueError(name, r, `out of range for int${bytes}: ${x}`);
        out.view.setInt32(o, bytes);
        if (bytes === 4) out.view.setInt32(o + 4, x);
        else out.view.setInt16(o + 4, x);
        out.off = o + 4 + bytes;
      },
    };
  }
  const convert: Converter = converterFor(column.pgType);
  const encode = encoderFor(column.pgType);
  return {
    fixedBytes: 0,
    write(out, r) {
      const v = convert(values[r], name, r);
      if (v === null) {
        out.ensure(4);
        out.view.setInt32(out.off, -1);
        out.off += 4;
      } else {
        encode(out, v, name, r);
      }
    },
  };
}

/** Element type oid and element writer of each array type (checks as the unnest path's converters). */
const ARRAY_ELEMENTS: Record<ArrayPgType, { oid: number; write: (out: Out, x: unknown, column: string, index: number) => void }> = {
  "float8[]": {
    oid: 701,
    write(out, x, column, index) {
      if (typeof x !== "number") throw new ColumnValueError(column, index, `expected number elements, got ${typeof x}`);
      out.ensure(12);
      out.view.setInt32(out.off, 8);
      out.view.setFloat64(out.off + 4, x); // NaN stays NaN: an element is a value, not an absence
      out.off += 12;
    },
  },
  "int4[]": { oid: 23, write: intElement(4) },
  "int2[]": { oid: 21, write: intElement(2) },
  "bool[]": {
    oid: 16,
    write(out, x, column, index) {
      if (typeof x !== "boolean" && x !== 0 && x !== 1) throw new ColumnValueError(column, index, "expected boolean elements");
      out.ensure(5);
      out.view.setInt32(out.off, 1);
      out.buf[out.off + 4] = x ? 1 : 0;
      out.off += 5;
    },
  },
  "text[]": {
    oid: 25,
    write(out, x, column, index) {
      if (typeof x !== "string") throw new ColumnValueError(column, index, `expected string elements, got ${typeof x}`);
      textEncoder(out, x, column, index);
    },
  },
};

function intElement(bytes: 2 | 4): (out: Out, x: unknown, column: string, index: number) => void {
  const lo = bytes === 4 ? -2_147_483_648 : -32_768;
  const hi = bytes === 4 ? 2_147_483_647 : 32_767;
  return (out, x, column, index) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < lo || x > hi) {
      throw new ColumnValueError(column, index, `expected integer elements in [${lo}, ${hi}], got ${String(x)}`);
    }
    out.ensure(4 + bytes);
    out.view.setInt32(out.off, bytes);
    if (bytes === 4) out.view.setInt32(out.off + 4, x);
    else out.view.setInt16(out.off + 4, x);
    out.off += 4 + bytes;
  };
}

/**
 * A one-dimensional array column in Postgres' binary array format: the field length, then ndim (0 for
 * an empty array), a has-nulls flag (0: null elements are not supported), the element oid, the size
 * and lower bound (1), then each element as length + bytes. A null/undefined value is a NULL array.
 */
function arrayWriter(pgType: ArrayPgType, name: string, values: ArrayLike<unknown>): FieldWriter {
  const element = ARRAY_ELEMENTS[pgType];
  return {
    fixedBytes: 0,
    write(out, r) {
      const v = values[r];
      if (v === null || v === undefined) {
        out.ensure(4);
        out.view.setInt32(out.off, -1);
        out.off += 4;
        return;
      }
      if (typeof v === "string" || typeof (v as ArrayLike<unknown>).length !== "number") {
        throw new ColumnValueError(name, r, `expected an array, got ${typeof v}`);
      }
      const a = v as ArrayLike<unknown>;
      out.ensure(24);
      const start = out.off;
      out.view.setInt32(start + 4, a.length === 0 ? 0 : 1);
      out.view.setInt32(start + 8, 0);
      out.view.setInt32(start + 12, element.oid);
      out.off = start + 16;
      if (a.length > 0) {
        out.view.setInt32(out.off, a.length);
        out.view.setInt32(out.off + 4, 1);
        out.off += 8;
      }
      for (let i = 0; i < a.length; i++) element.write(out, a[i], name, r);
      // ensure() may have moved the buffer: write the field length through the current view.
      out.view.setInt32(start, out.off - start - 4);
    },
  };
}
