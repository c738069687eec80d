/**
 * One adapter over the ways a service can hold a Postgres connection: a TypeORM DataSource,
 * EntityManager or QueryRunner, or a node-postgres Pool/Client/PoolClient. The bulk helpers accept any
 * of them so a repository can call them inside its own TypeORM transaction or on a bare pool.
 *
 * Detection is structural (duck typing) rather than `instanceof`, so it keeps working when two copies
 * of typeorm or pg end up in the module graph (ESM and CJS builds of the same package are distinct).
 */
import type { DataSource, EntityManager, QueryRunner } from "typeorm";

/** Anything with a node-postgres style `query(sql, params)`: pg.Pool, pg.Client, pg.PoolClient. */
export interface PgLike {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A connection handle accepted by every helper of this package. */
export type Queryable = DataSource | EntityManager | QueryRunner | PgLike;

/** A pg.Pool: has `connect()` returning a client with `release()`, and pool counters. */
interface PgPoolLike extends PgLike {
  connect(): Promise<PgLike & { release(err?: Error | boolean): void }>;
  totalCount: number;
}

export function isQueryRunner(q: Queryable): q is QueryRunner {
  return typeof (q as QueryRunner).startTransaction === "function" && "isTransactionActive" in q;
}

function isDataSource(q: Queryable): q is DataSource {
  return typeof (q as DataSource).createQueryRunner === "function" && "manager" in q;
}

export function isEntityManager(q: Queryable): q is EntityManager {
  return typeof (q as EntityManager).transaction === "function" && "connection" in q && !isDataSource(q);
}

function isPgPool(q: Queryable): q is PgPoolLike {
  return typeof (q as PgPoolLike).connect === "function" && typeof (q as PgPoolLike).totalCount === "number";
}

/**
 * Runs one parameterized statement and returns its result rows.
 *
 * TypeORM returns bare row arrays for SELECT but `[rows, rowCount]` for UPDATE/DELETE, and pg returns a
 * QueryResult; callers of this function only issue statements whose top level is a SELECT (writes are
 * wrapped in `WITH w AS (... RETURNING 1) SELECT count(*)`), which yields rows in every case.
 *
 * @param q - any supported connection handle.
 * @param sql - SQL text with `$1..$n` placeholders.
 * @param params - bind values (arrays are sent as Postgres array literals by pg).
 * @returns the result rows.
 * @throws whatever the driver throws (constraint violations, syntax errors, connection loss).
 */
export async function queryRows<R = Record<string, unknown>>(q: Queryable, sql: string, params: unknown[] = []): Promise<R[]> {
  const result: unknown = await q.query(sql, params);
  if (Array.isArray(result)) return result as R[];
  if (result !== null && typeof result === "object" && Array.isArray((result as { rows?: unknown }).rows)) {
    return (result as { rows: R[] }).rows;
  }
  throw new TypeError("unexpected query result shape: expected a row array or a pg QueryResult");
}

/**
 * Runs `fn` inside one database transaction on the given handle, committing on success and rolling back
 * (then rethrowing) on error.
 *
 * - QueryRunner / EntityManager already inside a transaction: `fn` joins it (no nested BEGIN), so the
 *   caller's transaction decides the outcome.
 * - DataSource / EntityManager without a transaction: TypeORM's `transaction()`.
 * - pg.Pool: a client is checked out for the duration and released afterwards.
 * - pg.Client / PoolClient / other `{ query }`: BEGIN/COMMIT are issued on it. A raw pg client that is
 *   already inside a transaction cannot be detected; do not pass one (use the helpers' `atomic: false`).
 *
 * Never hold a transaction open across an RPC: on embedded Postgres (one backend) every other
 * connection waits for it.
 *
 * @param q - connection handle.
 * @param fn - work to run; receives the handle to use inside the transaction.
 * @returns `fn`'s result.
 */
export async function withTransaction<T>(q: Queryable, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  if (isQueryRunner(q)) {
    if (q.isTransactionActive) return fn(q);
    await q.startTransaction();
    try {
      const out = await fn(q);
      await q.commitTransaction();
      return out;
    } catch (err) {
      await q.rollbackTransaction();
      throw err;
    }
  }
  if (isDataSource(q)) return q.transaction((em) => fn(em));
  if (isEntityManager(q)) {
    if (q.queryRunner?.isTransactionActive) return fn(q);
    return q.transaction((em) => fn(em));
  }
  if (isPgPool(q)) {
    const client = await q.connect();
    try {
      return await pgTransaction(client, fn);
    } finally {
      client.release();
    }
  }
  return pgTransaction(q, fn);
}

async function pgTransaction<T>(client: PgLike, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (err) {
    // The rollback's own failure (e.g. a dead connection) must not hide the original error.
    await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
      throw new AggregateError([err, rollbackErr], "transaction failed and ROLLBACK failed too");
    });
    throw err;
  }
}
