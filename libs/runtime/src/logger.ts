/**
 * The one pino root logger per process. Services log JSON to stdout; the CLI sends logs to
 * stderr so stdout stays clean for command output.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from "pino";

export type { Logger } from "pino";

/** Options of `createLogger`. */
export interface LoggerOptions {
  /**
   * Minimum level ("trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent").
   * Defaults to `env.LOG_LEVEL`, else "info".
   */
  level?: string;
  /**
   * Where JSON lines go. Defaults to stdout (pino's sonic-boom on fd 1). Pass
   * `pino.destination(2)` / `stderrDestination()` for the CLI, or any `{ write(line) }` stream
   * in tests.
   */
  destination?: DestinationStream;
  /** Environment read for LOG_LEVEL (defaults to `process.env`). */
  env?: Record<string, string | undefined>;
  /** Extra fields bound to every line (e.g. `{ version }`). */
  base?: Record<string, unknown>;
}

const LEVELS: readonly LevelWithSilent[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/**
 * Creates the process root logger, bound to `service` (the log `service` field equals the
 * folder / image / k8s object name).
 *
 * @param service Service name, e.g. "marketdata".
 * @param opts Level, destination and extra base fields.
 * @returns A pino logger; derive per-request loggers with `logger.child({...})`.
 * @throws Error when the level (from opts or LOG_LEVEL) is not a pino level — a typo must not
 *   silently turn logging off or to the wrong verbosity.
 */
export function createLogger(service: string, opts: LoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const level = (opts.level ?? env.LOG_LEVEL ?? "info").toLowerCase();
  if (!LEVELS.includes(level as LevelWithSilent)) {
    throw new Error(`invalid log level ${JSON.stringify(level)}; expected one of ${LEVELS.join(", ")}`);
  }
  const options = {
    level,
    base: { service, ...opts.base },
    // ISO timestamps are easier to read in `kubectl logs` than epoch millis and still sortable.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      // "level":"info" instead of "level":30, so log queries need no number mapping.
      level: (label: string) => ({ level: label }),
    },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/**
 * A synchronous stderr destination (fd 2) for CLIs, whose stdout carries command output.
 * Synchronous so that lines written right before `process.exit` are not lost.
 */
export function stderrDestination(): DestinationStream {
  return pino.destination({ dest: 2, sync: true });
}
