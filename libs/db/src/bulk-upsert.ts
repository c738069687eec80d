/**
 * Bulk upsert through `INSERT ... SELECT * FROM unnest($1::t1[], $2::t2[], ...) ON CONFLICT`.
 *
 * Why unnest: one statement and one bind parameter per column whatever the row count, so there is no
 * 65,535-parameter ceiling and no per-row round trip; it measured ~50-63k rows/s on PG 15 (2.5x
 * TypeORM's repository.upsert) and works unchanged over the embedded PGlite socket, where COPY does not.
 */
import { quoteIdent, quoteQualified } from "./identifiers.js";
import { assertPgType, isArrayPgType, toPgArray, type ColumnSpec } from "./pg-types.js";
import { queryRows, withTransaction, type Queryable } from "./queryable.js";
import { toColumnar, type RowsInput } from "./rows.js";

/** Default rows per statement: large enough to amortize round trips, small enough to bound memory. */
export const DEFAULT_BATCH_SIZE = 50_000;

/** What to upsert and how conflicts resolve. */
export interface UpsertSpec {
  /** Target table, schema-qualified: `"schema.table"`. */
  readonly table: string;
  /** Columns written, in statement order, with their Postgres types. */
  readonly columns: readonly ColumnSpec[];
  /** Columns of the unique constraint / primary key that decides a conflict (non-empty). */
  readonly conflict: readonly string[];
  /**
   * Columns overwritten on conflict. Default: every column not in `conflict`.
   * `[]` means `ON CONFLICT DO NOTHING` (existing rows win).
   */
  readonly update?: readonly string[];
  /**
   * When true, a conflicting row is only rewritten if one of its `update` columns actually changes
   * (`WHERE ROW(old) IS DISTINCT FROM ROW(new)`), which saves WAL on idempotent reruns. Unchanged rows
   * then do not count as written. Not usable with `json` columns (no equality operator): use `jsonb`.
   */
  readonly skipUnchanged?: boolean;
}

/** Execution options of a bulk write. */
export interface BulkWriteOptions {
  /** Rows per statement (default {@link DEFAULT_BATCH_SIZE}). */
  readonly batchSize?: number;
  /**
   * When the input spans several statements, run them in one transaction (default true) so a failure
   * leaves no partial write. Set false when passing a raw pg client that is already in a transaction.
   */
  readonly atomic?: boolean;
}

/** Thrown when a bulk statement fails; `cause` is the driver error (e.g. a constraint violation). */
export class BulkWriteError extends Error {
  constructor(
    readonly table: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(`${table}: ${message}`, options);
    this.name = "BulkWriteError";
  }
}

/** Checks a spec (types, duplicate/unknown columns, conflict) and resolves its update columns. */
export function validateSpec(spec: UpsertSpec): { update: readonly string[] } {
  if (spec.columns.length === 0) throw new TypeError(`${spec.table}: no columns`);
  const names = new Set<string>();
  for (const c of spec.columns) {
    assertPgType(c.pgType);
    if (names.has(c.name)) throw new TypeError(`${spec.table}: duplicate column ${c.name}`);
    names.add(c.name);
  }
  if (spec.conflict.length === 0) throw new TypeError(`${spec.table}: conflict columns are required`);
  for (const c of spec.conflict) {
    if (!names.has(c)) throw new TypeError(`${spec.table}: conflict column ${c} is not a written column`);
  }
  const update = spec.update ?? spec.columns.map((c) => c.name).filter((n) => !spec.conflict.includes(n));
  for (const c of update) {
    if (!names.has(c)) throw new TypeError(`${spec.table}: update column ${c} is not a written column`);
    if (spec.conflict.includes(c)) throw new TypeError(`${spec.table}: update column ${c} is a conflict column`);
  }
  return { update };
}

/**
 * Builds the upsert statement for a spec. Pure; exported for tests and for EXPLAIN-ing.
 * The statement takes one array parameter per column (`$1` = first column) and returns one row
 * `{ n: number }` with the number of rows inserted or updated.
 *
 * @param spec - the upsert spec; validated here.
 * @returns the SQL text.
 * @throws TypeError for an invalid spec (unknown type, duplicate or unknown columns, empty conflict).
 */
export function buildUpsertSql(spec: UpsertSpec): string {
  return buildWriteSql(spec, unnestSource(spec.columns), "upsert");
}

/**
 * The row source of the unnest path: `SELECT ... FROM unnest($1::t1[], ...)`, one array parameter per
 * column. An array column's values travel as literals in a `text[]` parameter and are cast back in
 * the select list (`unnest` of a two-dimensional parameter would flatten it). Pure.
 */
export function unnestSource(columns: readonly ColumnSpec[]): string {
  const params = columns.map((c, i) => `$${i + 1}::${isArrayPgType(c.pgType) ? "text" : c.pgType}[]`);
  if (!columns.some((c) => isArrayPgType(c.pgType))) return `SELECT * FROM unnest(${params.join(", ")})`;
  const select = columns.map((c, i) => (isArrayPgType(c.pgType) ? `u.c${i}::${c.pgType}` : `u.c${i}`));
  return `SELECT ${select.join(", ")} FROM unnest(${params.join(", ")}) AS u(${columns.map((_, i) => `c${i}`).join(", ")})`;
}

/**
 * Builds the write statement of a spec over any row source whose columns are the spec's columns in
 * order (an `unnest(...)` of array parameters, or a staging table filled by COPY). Pure.
 *
 * @param spec - the upsert spec; validated here.
 * @param source - a SELECT yielding the rows, e.g. `SELECT * FROM unnest(...)` or `SELECT a, b FROM stage`.
 * @param mode - "upsert": `ON CONFLICT` per the spec; "insert": a plain INSERT (rows are known new, a
 *   conflict is an error rather than an overwrite).
 * @returns SQL returning one row `{ n }` = rows inserted or updated.
 * @throws TypeError for an invalid spec.
 */
export function buildWriteSql(spec: UpsertSpec, source: string, mode: "upsert" | "insert"): string {
  const { update } = validateSpec(spec);
  const cols = spec.columns.map((c) => quoteIdent(c.name));
  let onConflict = "";
  if (mode === "upsert") {
    const conflict = spec.conflict.map(quoteIdent).join(", ");
    if (update.length === 0) {
      onConflict = ` ON CONFLICT (${conflict}) DO NOTHING`;
    } else {
      const set = update.map((c) => `${quoteIdent(c)} = EXCLUDED.${quoteIdent(c)}`).join(", ");
      onConflict = ` ON CONFLICT (${conflict}) DO UPDATE SET ${set}`;
      if (spec.skipUnchanged) {
        const oldRow = update.map((c) => `target.${quoteIdent(c)}`).join(", ");
        const newRow = update.map((c) => `EXCLUDED.${quoteIdent(c)}`).join(", ");
        onConflict += ` WHERE ROW(${oldRow}) IS DISTINCT FROM ROW(${newRow})`;
      }
    }
  }
  // The CTE turns the write into a SELECT so every driver (TypeORM or pg) returns the count as a row.
  return (
    `WITH written AS (INSERT INTO ${quoteQualified(spec.table)} AS target (${cols.join(", ")}) ` +
    `${source}${onConflict} RETURNING 1) ` +
    `SELECT count(*)::int AS n FROM written`
  );
}

/**
 * Inserts or updates many rows in as few statements as possible (never row by row).
 *
 * Values follow the null rules of `pg-types.ts`: undefined/null → NULL everywhere, NaN → NULL for
 * numeric columns, json values stringified. Rows sharing a conflict key inside one statement make
 * Postgres fail ("cannot affect row a second time"): de-duplicate before calling.
 *
 * @param q - TypeORM DataSource/EntityManager/QueryRunner or a pg Pool/Client.
 * @param spec - table, columns, conflict and update columns.
 * @param rows - columnar `{ col: values[] }` or row objects.
 * @param options - batch size and atomicity.
 * @returns rows inserted or updated (with `update: []`, only inserted rows; with `skipUnchanged`,
 *   unchanged rows are not counted). 0 for empty input, without touching the database.
 * @throws TypeError for an invalid spec or ragged columnar input; ColumnValueError for a value that does
 *   not fit its column type; BulkWriteError (with the driver error as cause) when a statement fails.
 */
export async function bulkUpsert(q: Queryable, spec: UpsertSpec, rows: RowsInput, options: BulkWriteOptions = {}): Promise<number> {
  return unnestWrite(q, spec, rows, options, "upsert");
}

/** The unnest write of {@link bulkUpsert}, also in "insert" mode (no ON CONFLICT) for bulk-copy.ts. */
export async function unnestWrite(
  q: Queryable,
  spec: UpsertSpec,
  rows: RowsInput,
  options: BulkWriteOptions,
  mode: "upsert" | "insert",
): Promise<number> {
  const sql = buildWriteSql(spec, unnestSource(spec.columns), mode);
  const data = toColumnar(spec.columns, rows);
  if (data.length === 0) return 0;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`invalid batchSize ${batchSize}`);

  const run = async (tx: Queryable): Promise<number> => {
    let written = 0;
    for (let start = 0; start < data.length; start += batchSize) {
      const end = Math.min(start + batchSize, data.length);
      // Arrays are built per batch so memory stays bounded by one batch of converted values.
      const params = spec.columns.map((c) => toPgArray(c, data.columns.get(c.name)!, start, end));
      let result: { n: number }[];
      try {
        result = await queryRows<{ n: number }>(tx, sql, params);
      } catch (err) {
        throw new BulkWriteError(spec.table, `upsert of rows ${start}..${end - 1} failed: ${errorText(err)}`, {
          cause: err,
        });
      }
      written += Number(result[0]?.n ?? 0);
    }
    return written;
  };
  const multiStatement = data.length > batchSize;
  return multiStatement && options.atomic !== false ? withTransaction(q, run) : run(q);
}

/** Message of an unknown thrown value (driver errors are Errors; anything else is stringified). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
