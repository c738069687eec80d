/** Retry delays for transient provider failures and rate limiting. */

/** Exponential backoff parameters (milliseconds). */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  readonly baseMs: number;
  /** Upper bound of any single delay. */
  readonly capMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): min(cap, base * 2^(attempt-1)) scaled by a
 * jitter factor in [0.5, 1) so clients that failed together do not retry together ("equal jitter").
 * @param random - uniform [0, 1) source (injectable for tests).
 * @returns milliseconds, >= 0.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(exp * (0.5 + random() / 2)));
}

/**
 * Parses an HTTP Retry-After header: delta-seconds ("120", fractional accepted) or an HTTP date.
 * @param nowMs - current wall-clock time (ms since epoch) for the date form.
 * @returns milliseconds to wait (>= 0), or undefined when the header is absent or unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  // HTTP dates always name a weekday/month; without a letter Date.parse accepts junk like "-5".
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
