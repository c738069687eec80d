/**
 * The one retry loop of Sigma: exponential backoff with full jitter, bounded by a time budget
 * (and optionally an attempt count), cancellable by an AbortSignal. RPC clients, stores (transient
 * Postgres errors) and any other caller of a flaky dependency use it with their own `isRetryable`.
 */

/** Backoff tuning shared by every retry policy. */
export interface BackoffOptions {
  /** Delay cap of the first retry (ms, default 100); doubles each retry. */
  baseDelayMs?: number;
  /** Cap on one delay (ms, default 2000). */
  maxDelayMs?: number;
  /** Random source in [0,1) for jitter (tests inject a fixed one). */
  random?: () => number;
}

/** What `onRetry` is told before each wait. */
export interface RetryInfo {
  /** 1-based number of the retry about to happen. */
  attempt: number;
  /** How long the loop waits before it. */
  delayMs: number;
  /** The failure being retried. */
  error: unknown;
  /** Time since the first failure (ms). */
  elapsedMs: number;
}

/** Options of {@link retryWithBackoff}. */
export interface RetryWithBackoffOptions extends BackoffOptions {
  /**
   * Retries start only while less than this much time (ms) has passed since the FIRST failure:
   * a call that ran for minutes before failing still gets its full budget of retries.
   */
  budgetMs: number;
  /** Optional cap on retries (after the first attempt); unlimited within the budget by default. */
  maxRetries?: number;
  /** Which failures are worth another attempt; everything else is thrown at once. */
  isRetryable: (err: unknown) => boolean;
  /** Stops retrying (and waiting) when aborted: the last error is thrown. */
  signal?: AbortSignal;
  /** Called before each wait (logs, metrics). */
  onRetry?: (info: RetryInfo) => void;
  /** Clock (ms); injectable for tests. */
  now?: () => number;
}

/** Defaults of {@link BackoffOptions}. */
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 2000;

/**
 * Backoff delay before retry number `attempt` (1-based): "full jitter", uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]. Full jitter spreads the retries of many
 * clients hit by the same outage instead of synchronizing them.
 *
 * @returns Delay in ms (integer, >= 0).
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, the budget since the first
 * failure is spent, `maxRetries` is reached or `signal` aborts; waits a jittered exponential
 * backoff between attempts. The error thrown is always the last failure of `fn` itself.
 *
 * @param fn - the operation; receives the 0-based attempt number.
 * @returns `fn`'s result.
 * @throws the last error of `fn` when it is not retried any more.
 */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, opts: RetryWithBackoffOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const base = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  let firstFailure: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      firstFailure ??= now();
      const elapsedMs = now() - firstFailure;
      if (!opts.isRetryable(err) || opts.signal?.aborted) throw err;
      if (opts.maxRetries !== undefined && attempt >= opts.maxRetries) throw err;
      if (elapsedMs >= opts.budgetMs) throw err;
      // Never sleep past the budget: the last attempt happens at (about) its end.
      const delayMs = Math.min(backoffDelayMs(attempt + 1, base, max, opts.random), opts.budgetMs - elapsedMs);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, error: err, elapsedMs });
      if (!(await sleep(delayMs, opts.signal))) throw err;
    }
  }
}

/** Sleeps `ms`; resolves false early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
