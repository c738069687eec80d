/**
 * Set-based deletes by key tuples and "replace a slice" (delete the slice, then upsert its new rows in
 * one transaction) — the write pattern of recomputations, where rows that no longer exist (a closed
 * position) must disappear instead of lingering next to fresh ones.
 */
import { bulkWrite } from "./bulk-copy.js";
import { BulkWriteError, DEFAULT_BATCH_SIZE, errorText, type BulkWriteOptions, type UpsertSpec } from "./bulk-upsert.js";
import { quoteIdent, quoteQualified } from "./identifiers.js";
import { assertPgType, isArrayPgType, toPgArray, type ColumnSpec } from "./pg-types.js";
import { queryRows, withTransaction, type Queryable } from "./queryable.js";
import { toColumnar, type RowsInput } from "./rows.js";

/** Which rows to delete: those whose `keys` columns equal one of the given tuples. */
export interface DeleteSpec {
  /** Target table, schema-qualified: `"schema.table"`. */
  readonly table: string;
  /** Key columns compared with `=` (need not be unique: every matching row is deleted). */
  readonly keys: readonly ColumnSpec[];
}

/**
 * Builds the delete statement for a spec. Pure; exported for tests. Takes one array parameter per key
 * column and returns one row `{ n }` with the number of rows deleted.
 *
 * @throws TypeError for an empty key list or an unsupported type.
 */
export function buildDeleteSql(spec: DeleteSpec): string {
  if (spec.keys.length === 0) throw new TypeError(`${spec.table}: delete needs at least one key column`);
  for (const k of spec.keys) {
    assertPgType(k.pgType);
    if (isArrayPgType(k.pgType)) throw new TypeError(`${spec.table}: key column ${k.name} cannot be an array (${k.pgType})`);
  }
  const cols = spec.keys.map((k) => quoteIdent(k.name));
  const arrays = spec.keys.map((k, i) => `$${i + 1}::${k.pgType}[]`);
  const match = cols.map((c) => `target.${c} = k.${c}`).join(" AND ");
  return (
    `WITH deleted AS (DELETE FROM ${quoteQualified(spec.table)} AS target ` +
    `USING unnest(${arrays.join(", ")}) AS k(${cols.join(", ")}) WHERE ${match} RETURNING 1) ` +
    `SELECT count(*)::int AS n FROM deleted`
  );
}

/**
 * Deletes every row whose key columns equal one of the given key tuples, in batches.
 *
 * Comparison is SQL `=`, so a NULL key value matches nothing (rows with NULL keys are never deleted).
 * Duplicate tuples are harmless. Values follow the null rules of `pg-types.ts`.
 *
 * @param q - TypeORM DataSource/EntityManager/QueryRunner or a pg Pool/Client.
 * @param spec - table and key columns.
 * @param keys - key tuples, columnar or as objects.
 * @param options - batch size and atomicity (as for bulkUpsert).
 * @returns the number of rows deleted (0 for no keys, without touching the database).
 * @throws TypeError / ColumnValueError for bad input; BulkWriteError when a statement fails.
 */
export async function bulkDelete(q: Queryable, spec: DeleteSpec, keys: RowsInput, options: BulkWriteOptions = {}): Promise<number> {
  const sql = buildDeleteSql(spec);
  const data = toColumnar(spec.keys, keys);
  if (data.length === 0) return 0;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`invalid batchSize ${batchSize}`);
  const run = async (tx: Queryable): Promise<number> => {
    let deleted = 0;
    for (let start = 0; start < data.length; start += batchSize) {
      const end = Math.min(start + batchSize, data.length);
      const params = spec.keys.map((k) => toPgArray(k, data.columns.get(k.name)!, start, end));
      try {
        const [row] = await queryRows<{ n: number }>(tx, sql, params);
        deleted += Number(row?.n ?? 0);
      } catch (err) {
        throw new BulkWriteError(spec.table, `delete failed: ${errorText(err)}`, { cause: err });
      }
    }
    return deleted;
  };
  return data.length > batchSize && options.atomic !== false ? withTransaction(q, run) : run(q);
}

/** An upsert spec plus the columns that identify the slice being replaced. */
export interface ReplaceSpec extends UpsertSpec {
  /**
   * Columns identifying a slice, e.g. `["portfolio_id", "date"]`: every existing row of a slice that is
   * being replaced is deleted before the new rows are written. Must be written columns.
   */
  readonly scope: readonly string[];
}

/** Result of {@link replaceRows}. */
export interface ReplaceResult {
  readonly deleted: number;
  readonly written: number;
}

/**
 * Replaces whole slices of a table atomically: deletes every row whose `scope` tuple is among the
 * replaced slices, then inserts `rows` (binary COPY on real Postgres, unnest on PGlite: see
 * bulk-copy.ts), in ONE transaction (readers never see a half-replaced slice). The rows are new once
 * their slices are deleted, so they go straight in; every row must lie in a replaced slice and keys
 * must be distinct (a conflict fails the whole replace).
 *
 * The replaced slices are `options.scopeKeys` when given — needed to empty a slice that has no new
 * rows — otherwise the distinct scope tuples of `rows`.
 *
 * @param q - connection handle (joins an active TypeORM transaction; see `withTransaction`).
 * @param spec - upsert spec plus `scope` columns.
 * @param rows - the new rows (columnar or objects).
 * @param options - batch size; `scopeKeys` to replace slices explicitly.
 * @returns rows deleted and rows written.
 * @throws TypeError for a scope column that is not written; otherwise as bulkDelete / bulkWrite
 *   (BulkWriteError for a key conflict).
 */
export async function replaceRows(
  q: Queryable,
  spec: ReplaceSpec,
  rows: RowsInput,
  options: { readonly batchSize?: number; readonly scopeKeys?: RowsInput } = {},
): Promise<ReplaceResult> {
  if (spec.scope.length === 0) throw new TypeError(`${spec.table}: replace needs at least one scope column`);
  const scopeColumns = spec.scope.map((name) => {
    const col = spec.columns.find((c) => c.name === name);
    if (!col) throw new TypeError(`${spec.table}: scope column ${name} is not a written column`);
    // json has no `=` operator and jsonb scope keys would be stringified twice: not worth supporting.
    if (col.pgType === "json" || col.pgType === "jsonb" || isArrayPgType(col.pgType)) {
      throw new TypeError(`${spec.table}: scope column ${name} cannot be ${col.pgType}`);
    }
    return col;
  });
  const keys = options.scopeKeys ?? distinctTuples(scopeColumns, rows);
  return withTransaction(q, async (tx) => {
    const deleted = await bulkDelete(tx, { table: spec.table, keys: scopeColumns }, keys, {
      batchSize: options.batchSize,
      atomic: false,
    });
    const written = await bulkWrite(tx, spec, rows, { mode: "insert", batchSize: options.batchSize, atomic: false });
    return { deleted, written };
  });
}

/** Distinct tuples of `columns` in `rows`, in columnar form (first occurrence order). */
function distinctTuples(columns: readonly ColumnSpec[], rows: RowsInput): Record<string, unknown[]> {
  const data = toColumnar(columns, rows);
  const out: Record<string, unknown[]> = Object.fromEntries(columns.map((c) => [c.name, []]));
  const seen = new Set<string>();
  for (let i = 0; i < data.length; i++) {
    const tuple = columns.map((c) => toPgArray(c, data.columns.get(c.name)!, i, i + 1)[0]);
    const id = JSON.stringify(tuple);
    if (seen.has(id)) continue;
    seen.add(id);
    columns.forEach((c, j) => out[c.name]!.push(tuple[j]));
  }
  return out;
}
