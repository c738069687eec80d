/**
 * TypeORM DataSource factory: one Postgres schema per service, its migrations applied at start.
 */
import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from "typeorm";
import { assertSchemaName, quoteIdent } from "./identifiers.js";
import type { LogSink } from "./log-sink.js";
import { createTypeOrmLogger } from "./typeorm-logger.js";

// TypeORM types entity and migration lists loosely (classes, schemas or glob strings); keep its types.
// biome-ignore lint/complexity/noBannedTypes: TypeORM declares entity classes as Function
type EntityList = MixedList<Function | string | EntitySchema>;
// biome-ignore lint/complexity/noBannedTypes: TypeORM declares migration classes as Function
type MigrationList = MixedList<Function | string>;

/** Options of {@link createDataSource}. */
export interface CreateDataSourceOptions {
  /** Connection URL, e.g. `postgres://postgres@127.0.0.1:5432/postgres` (add `?sslmode=disable` for PGlite). */
  readonly url: string;
  /** The service's schema, e.g. `marketdata`; created if missing. Lower-case `[a-z_][a-z0-9_]*`. */
  readonly schema: string;
  /** Entity classes; every column must declare its type explicitly (no decorator metadata under tsx). */
  readonly entities: EntityList;
  /** Migration classes (MigrationInterface) with schema-qualified SQL; applied in timestamp order. */
  readonly migrations: MigrationList;
  /** Destination of TypeORM logs (errors, slow queries, migrations); silent when omitted. */
  readonly logger?: LogSink;
  /** Maximum pool connections (pg default 10). On embedded Postgres keep the sum below its maxConnections. */
  readonly poolSize?: number;
  /** Name of the migrations table inside `schema` (default `migrations`). */
  readonly migrationsTableName?: string;
  /** Shown in `pg_stat_activity.application_name`, e.g. the service name. */
  readonly applicationName?: string;
  /** Queries slower than this many milliseconds are logged at warn (default: not logged). */
  readonly slowQueryMs?: number;
}

/** Thrown when the schema cannot be prepared or a migration fails; `cause` is the underlying error. */
export class MigrationError extends Error {
  constructor(
    readonly schema: string,
    options: { cause: unknown },
  ) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`migrating schema ${schema} failed: ${detail}`, options);
    this.name = "MigrationError";
  }
}

/**
 * Creates and initializes a TypeORM DataSource (postgres driver over pg) bound to one schema, creates
 * the schema if missing and applies pending migrations, all before returning.
 *
 * Binding: the `schema` option makes TypeORM qualify every entity table and the migrations table with
 * the schema. `search_path` is deliberately NOT set: on embedded Postgres all connections share one
 * session, so a per-service search_path would leak between services. Raw SQL must be schema-qualified.
 *
 * Concurrency: schema creation and migrations run under a Postgres advisory lock keyed by the schema,
 * so replicas starting together apply each migration once; all pending migrations run in one
 * transaction (`synchronize` is always off).
 *
 * @param options - connection, schema, entities, migrations, logging and pool size.
 * @returns an initialized DataSource; close it with {@link closeDataSource}.
 * @throws TypeError for an invalid schema name; the driver's error when Postgres is unreachable;
 *   MigrationError when the schema cannot be created or a migration fails (the pool is closed first).
 */
export async function createDataSource(options: CreateDataSourceOptions): Promise<DataSource> {
  const schema = assertSchemaName(options.schema);
  const dsOptions: DataSourceOptions = {
    type: "postgres",
    url: options.url,
    schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: options.migrationsTableName ?? "migrations",
    migrationsRun: false, // run below, under the advisory lock
    migrationsTransactionMode: "all",
    synchronize: false,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
    maxQueryExecutionTime: options.slowQueryMs,
    logging: options.logger ? ["error", "warn", "migration"] : false,
    logger: options.logger ? createTypeOrmLogger(options.logger) : undefined,
  };
  const ds = new DataSource(dsOptions);
  await ds.initialize();
  try {
    await prepareSchema(ds, schema);
  } catch (err) {
    await ds.destroy();
    throw new MigrationError(schema, { cause: err });
  }
  return ds;
}

/** Creates the schema and applies migrations while holding a session advisory lock. */
async function prepareSchema(ds: DataSource, schema: string): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  const lockKey = `sigma.migrate:${schema}`;
  try {
    await runner.query("SELECT pg_advisory_lock(hashtext($1))", [lockKey]);
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
      await ds.runMigrations({ transaction: "all" });
    } finally {
      await runner.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Closes a DataSource's pool. Idempotent: a DataSource that is not initialized is left alone.
 *
 * @param ds - the DataSource returned by {@link createDataSource}.
 */
export async function closeDataSource(ds: DataSource): Promise<void> {
  if (ds.isInitialized) await ds.destroy();
}
