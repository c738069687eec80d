/**
 * @sigma/db: TypeORM DataSource factory (one schema per service, migrations at start), set-based bulk
 * write helpers (unnest upsert, delete by keys, slice replace) and embedded Postgres for `sigma dev`.
 */
export type { LogSink } from "./log-sink.js";
export { assertSchemaName, quoteIdent, quoteQualified } from "./identifiers.js";
export { queryRows, withTransaction, type PgLike, type Queryable } from "./queryable.js";
export { assertPgType, ColumnValueError, toPgArray, type ColumnSpec, type PgType } from "./pg-types.js";
export { boolArrayFromSend, float8ArrayFromSend, int4ArrayFromSend, textArrayFromSend } from "./array-send.js";
export { toColumnar, type Columnar, type ColumnarRows, type RowObjects, type RowsInput } from "./rows.js";
export {
  buildUpsertSql,
  buildWriteSql,
  bulkUpsert,
  BulkWriteError,
  DEFAULT_BATCH_SIZE,
  type BulkWriteOptions,
  type UpsertSpec,
} from "./bulk-upsert.js";
export { binaryCopyChunks, bulkWrite, type BulkCopyOptions } from "./bulk-copy.js";
export {
  buildDeleteSql,
  bulkDelete,
  replaceRows,
  type DeleteSpec,
  type ReplaceResult,
  type ReplaceSpec,
} from "./bulk-delete.js";
export { closeDataSource, createDataSource, MigrationError, type CreateDataSourceOptions } from "./data-source.js";
export { createTypeOrmLogger } from "./typeorm-logger.js";
export { startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from "./embedded-postgres.js";
export { migrationSchema } from "./migration-schema.js";
export {
  DatabaseUnavailableError,
  databaseReadiness,
  DEFAULT_DB_RETRY_BUDGET_MS,
  isTransientPgError,
  retryTransientFailures,
  withDbRetry,
  type AsyncMethodName,
  type DbRetryOptions,
  type Pingable,
} from "./transient.js";
