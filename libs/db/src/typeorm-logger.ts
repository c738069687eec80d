/**
 * Adapts a pino-style {@link LogSink} to TypeORM's Logger so database logs land in the service's
 * structured log instead of TypeORM's console output.
 */
import type { Logger as TypeOrmLogger } from "typeorm";
import type { LogSink } from "./log-sink.js";

/** Keeps logged SQL short: bulk statements carry 50k-element array parameters. */
function truncate(text: string, max = 500): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/**
 * Creates a TypeORM logger writing to `log`. Queries are logged at debug level without parameters
 * (they can be huge arrays or contain personal data); failed queries at error; slow queries at warn.
 *
 * @param log - destination (e.g. a pino child logger with the service name).
 * @returns a TypeORM Logger.
 */
export function createTypeOrmLogger(log: LogSink): TypeOrmLogger {
  return {
    logQuery: (query) => log.debug({ sql: truncate(query) }, "db query"),
    logQueryError: (error, query) =>
      log.error({ sql: truncate(query), err: error instanceof Error ? error.message : error }, "db query failed"),
    logQuerySlow: (time, query) => log.warn({ sql: truncate(query), durationMs: time }, "db query slow"),
    logSchemaBuild: (message) => log.info({ detail: message }, "db schema build"),
    logMigration: (message) => log.info({ detail: message }, "db migration"),
    log: (level, message) => {
      const text = typeof message === "string" ? message : JSON.stringify(message);
      if (level === "warn") log.warn({ detail: text }, "db");
      else log.info({ detail: text }, "db");
    },
  };
}
