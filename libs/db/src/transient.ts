/**
 * Transient Postgres failures (the server restarting, a connection dropped, a serialization
 * conflict) and the bounded retry every store wraps its statements in. A failure that outlasts
 * the budget becomes `DatabaseUnavailableError` (UNAVAILABLE to callers, retryable), never an
 * anonymous INTERNAL.
 */
import { retryWithBackoff, UnavailableError } from "@sigma/runtime";

/**
 * SQLSTATEs worth retrying: admin/crash shutdown and "cannot connect now" (57P01/02/03), the
 * connection exception class (08xxx), serialization failure (40001), deadlock (40P01), and
 * "unnamed prepared statement does not exist" (26000): the embedded PGlite of `sigma dev` shares one
 * backend between connections, and a Bind that lost its Parse never ran, so running it again is safe.
 */
const TRANSIENT_SQLSTATES = new Set(["57P01", "57P02", "57P03", "40001", "40P01", "08000", "08001", "08003", "08004", "08006", "26000"]);
/** Socket errors of the pg driver when the server is down or the connection died. */
const TRANSIENT_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/**
 * node-postgres reports a dropped connection or a pool connect timeout with a plain Error and no code.
 * TypeORM's "Query runner already released" comes from a transaction whose connection died under
 * it (the pool released the runner on the socket error) before COMMIT was sent: nothing committed,
 * so the whole transaction may run again.
 */
const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|Query runner already released/i;

/** Default retry budget of a store statement (ms): rides out a Postgres restart of a few seconds. */
export const DEFAULT_DB_RETRY_BUDGET_MS = 30_000;

/**
 * True when `err` (a pg error, TypeORM's QueryFailedError wrapping one, or an AggregateError of
 * them) is a transient failure that the same statement may not hit again.
 */
export function isTransientPgError(err: unknown): boolean {
  if (err === null || typeof err !== "object") return false;
  if (err instanceof AggregateError) return err.errors.some(isTransientPgError);
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === "string" && (TRANSIENT_SQLSTATES.has(e.code) || TRANSIENT_ERRNOS.has(e.code))) return true;
  if (typeof e.message === "string" && TRANSIENT_MESSAGES.test(e.message)) return true;
  if (e.driverError !== undefined && e.driverError !== err) return isTransientPgError(e.driverError);
  if (e.cause !== undefined && e.cause !== err) return isTransientPgError(e.cause);
  return false;
}

/** The database stayed unreachable for the whole retry budget. → UNAVAILABLE (callers may retry later). */
export class DatabaseUnavailableError extends UnavailableError {
  override readonly name: string = "DatabaseUnavailableError";
}

/** Options of {@link withDbRetry}. */
export interface DbRetryOptions {
  /** How long after the first failure retries may start (ms, default SIGMA_DB_RETRY_BUDGET_MS or 30 s). */
  budgetMs?: number;
  /** Stops retrying (e.g. the RPC was cancelled). */
  signal?: AbortSignal;
  /** Called before each retry, with the failure (for a warn log line). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** What the statement does, for the error message ("replace factor rows"). */
  what?: string;
}

/** Reads SIGMA_DB_RETRY_BUDGET_MS once per call (tests set it per process). */
function budgetFromEnv(): number {
  const raw = process.env.SIGMA_DB_RETRY_BUDGET_MS;
  if (raw === undefined || raw === "") return DEFAULT_DB_RETRY_BUDGET_MS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`SIGMA_DB_RETRY_BUDGET_MS must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Runs `fn` (one statement or one whole transaction: a retry restarts it from the beginning, so it
 * must be idempotent) and retries transient Postgres failures with backoff (200 ms doubling to
 * 2 s, jittered) for up to the budget.
 *
 * @returns `fn`'s result.
 * @throws DatabaseUnavailableError (cause: the last failure) when the failures were transient to
 *   the end; any other error of `fn` unchanged and at once.
 */
export async function withDbRetry<T>(fn: () => Promise<T>, opts: DbRetryOptions = {}): Promise<T> {
  const budgetMs = opts.budgetMs ?? budgetFromEnv();
  const started = Date.now();
  try {
    return await retryWithBackoff(fn, {
      budgetMs,
      baseDelayMs: 200,
      maxDelayMs: 2000,
      isRetryable: isTransientPgError,
      signal: opts.signal,
      onRetry: opts.onRetry,
    });
  } catch (err) {
    if (!isTransientPgError(err)) throw err;
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    throw new DatabaseUnavailableError(
      `database unavailable${opts.what ? ` (${opts.what})` : ""}: ${describePgFailure(err)}; retried for ${secs} s`,
      { cause: err },
    );
  }
}

/** A short, secret-free description of a transient failure (its SQLSTATE/errno, not the SQL). */
function describePgFailure(err: unknown): string {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  const code = typeof e.code === "string" ? e.code : typeof e.driverError?.code === "string" ? e.driverError.code : undefined;
  const names: Record<string, string> = {
    "57P01": "server shut down (57P01)",
    "57P02": "server crashed (57P02)",
    "57P03": "server not accepting connections yet (57P03)",
    "40001": "serialization failure (40001)",
    "40P01": "deadlock (40P01)",
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
  };
  return code ? (names[code] ?? code) : "connection lost";
}

/** Anything that can run `SELECT 1`: a DataSource, pg.Pool, ... */
export interface Pingable {
  query(sql: string): Promise<unknown>;
}

/**
 * A readiness check for serve(): resolves when the database answers `SELECT 1` within
 * `timeoutMs`, rejects otherwise.
 */
export function databaseReadiness(db: Pingable, timeoutMs = 2000): () => Promise<void> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([db.query("SELECT 1"), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The async methods of `T` (what {@link retryTransientFailures} can wrap). */
export type AsyncMethodName<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T] & string;

/**
 * Makes the given methods of a store ride out transient Postgres failures: each call runs through
 * {@link withDbRetry} (described as "<label> <method>"). Call it in the store's constructor; the
 * methods must be idempotent as a whole (a retry runs the method again from its start) and must
 * not call each other (the retries would nest).
 *
 * @returns `target`, for chaining.
 */
export function retryTransientFailures<T extends object>(target: T, methods: readonly AsyncMethodName<T>[], label: string): T {
  const record = target as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of methods) {
    const original = record[name];
    if (typeof original !== "function") throw new TypeError(`${label}: ${name} is not a method`);
    record[name] = (...args: unknown[]) => withDbRetry(() => original.apply(target, args), { what: `${label} ${name}` });
  }
  return target;
}
