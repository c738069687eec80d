/**
 * The price-provider contract: what market data asks of a source of daily bars, and how a source
 * says "no" (unavailable, a normal answer) versus "failed" (ProviderError, an error).
 */

/** One daily bar. Prices in the symbol's quote currency; `close` is the split/dividend-adjusted close. */
export interface DailyBar {
  /** Trading date, "YYYY-MM-DD" (America/New_York session date). */
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  /** Adjusted close: the only price the analytics use (SPEC §3 returns). */
  readonly close: number;
  /** Shares traded. */
  readonly volume: number;
}

/**
 * A row the provider holds for the symbol but which must not be stored (see bar-quality.ts), kept so
 * the sync can report it instead of dropping it silently.
 */
export interface RejectedBar {
  /** Trading date of the row, "YYYY-MM-DD". */
  readonly date: string;
  /** Where the row came from, e.g. "daily_prices.csv:608"; absent for providers without a file. */
  readonly location?: string;
  /** What is wrong, e.g. `close is not a number: "abc"`. */
  readonly problem: string;
}

/**
 * The outcome of one fetch.
 * - `ok`: the provider knows the symbol; `bars` are ascending by date, unique, within the requested
 *   range, and may be empty (e.g. the range lies before the symbol's listing).
 * - `unavailable`: the provider does not know the symbol (delisted, mutual fund, typo) or, for
 *   providers that cannot tell the two apart (HTTP), has nothing for it in the range. Not an error:
 *   the run continues and reports the symbol (SPEC §6).
 *
 * `requests` counts the upstream requests the fetch issued, including retries (0 or absent for
 * local providers); it feeds SymbolSyncResult.requests. `rejected` lists rows in the range the
 * provider could not turn into bars (ascending by date); they are not in `bars`.
 */
export type FetchResult =
  | { readonly status: "ok"; readonly bars: readonly DailyBar[]; readonly requests?: number; readonly rejected?: readonly RejectedBar[] }
  | { readonly status: "unavailable"; readonly reason: string; readonly requests?: number };

/** The provider kinds selectable through SIGMA_PRICES. */
export type ProviderKind = "synthetic" | "csv" | "http";

/** A source of daily bars. Implementations are safe to call concurrently. */
export interface PriceProvider {
  readonly kind: ProviderKind;
  /** Human-readable description for GetProviderInfo and logs; never contains secrets. */
  describe(): string;
  /**
   * Daily bars of `symbol` (already normalized, see normalizeSymbol) for the inclusive range
   * [start, end] of "YYYY-MM-DD" dates.
   * @throws RangeError when the dates are malformed or start > end.
   * @throws ProviderError when the source failed (after the provider's own retries).
   * @throws the signal's reason when `signal` aborts.
   */
  fetchDaily(symbol: string, start: string, end: string, signal?: AbortSignal): Promise<FetchResult>;
}

/**
 * The provider failed to answer. `retryable` is true for transient failures (network errors,
 * timeouts, 5xx, rate limiting that outlasted the allowed wait): a later sync may succeed. It is
 * false when retrying cannot help (malformed response, a rejected request).
 */
export class ProviderError extends Error {
  override readonly name = "ProviderError";
  readonly retryable: boolean;
  /** Upstream requests issued before giving up (0 when not applicable). */
  readonly attempts: number;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean; attempts?: number } = {}) {
    super(message, { cause: options.cause });
    this.retryable = options.retryable ?? true;
    this.attempts = options.attempts ?? 0;
  }
}

/** The provider configuration is unusable (unknown SIGMA_PRICES, missing API key, bad URL). Fix the config; never retried. */
export class ProviderConfigError extends Error {
  override readonly name = "ProviderConfigError";
}
