/**
 * HTTP provider for a Polygon-style aggregates API:
 *   GET {base}/v2/aggs/ticker/{SYMBOL}/range/1/day/{from}/{to}?adjusted=true&sort=asc&limit=50000&apiKey=KEY
 *   -> { status: "OK", resultsCount, results: [{ t, o, h, l, c, v }], next_url? }
 *
 * Failure policy (SPEC §4 Retries, §6):
 * - 404, or no results (Polygon answers unknown tickers and empty ranges alike) -> `unavailable`.
 * - 429 -> wait (Retry-After seconds or date when given, else exponential backoff with jitter) and
 *   retry; 429s never count as failed attempts. Only when the total rate-limit wait of one fetch
 *   would exceed `maxRateLimitWaitMs` does the fetch fail (ProviderError, retryable).
 * - 5xx, 408, network errors, timeouts, unparseable JSON -> retried up to `maxAttempts` requests in
 *   all, then ProviderError (retryable).
 * - 401 / 403 -> ProviderConfigError (the key is wrong; retrying cannot help).
 * - other 4xx, malformed bars -> ProviderError (not retryable).
 * Every request first takes a token from a client-side rate limiter shared by all fetches of the
 * provider. The API key never appears in errors or descriptions.
 */
import { assertDateRange, newYorkDate } from "@sigma/calendar";
import { normalizeSymbol } from "../symbols.js";
import { backoffDelay, parseRetryAfter, type BackoffOptions } from "./backoff.js";
import { TokenBucket } from "./rate-limiter.js";
import { realSleep, type Clock, type Sleep } from "./timing.js";
import { ProviderConfigError, ProviderError, type DailyBar, type FetchResult, type PriceProvider } from "./types.js";

/** Options of {@link HttpPriceProvider}; everything but baseUrl and apiKey has a default. */
export interface HttpProviderOptions {
  /** API root without trailing slash, e.g. "https://api.polygon.io". */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Client-side rate limit; default 5 (Polygon free tier). */
  readonly requestsPerMinute?: number;
  /** Requests allowed back to back after idling; default 1. */
  readonly burst?: number;
  /** Per-request timeout in ms; default 30 000. */
  readonly timeoutMs?: number;
  /** Requests per page for 5xx / network failures before giving up; default 4. */
  readonly maxAttempts?: number;
  /** Backoff between failed attempts; default base 1 000 ms, cap 30 000 ms. */
  readonly retryBackoff?: BackoffOptions;
  /** Backoff after a 429 without Retry-After; default base 12 000 ms (one free-tier slot), cap 60 000 ms. */
  readonly rateLimitBackoff?: BackoffOptions;
  /** Longest total time one fetch may spend waiting out 429s; default 300 000 ms. */
  readonly maxRateLimitWaitMs?: number;
  /** Injectables for tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: Sleep;
  readonly clock?: Clock;
  readonly random?: () => number;
}

/** Shape of one Polygon aggregate bar (fields we use). */
interface AggBar {
  t: unknown;
  o: unknown;
  h: unknown;
  l: unknown;
  c: unknown;
  v: unknown;
}

type PageOutcome = { kind: "ok"; body: Record<string, unknown> } | { kind: "not_found" };

/** Polygon-style HTTP {@link PriceProvider}. */
export class HttpPriceProvider implements PriceProvider {
  readonly kind = "http" as const;
  /** The client-side rate limiter shared by every fetch of this provider (exposed for diagnostics). */
  readonly limiter: TokenBucket;
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBackoff: BackoffOptions;
  private readonly rateLimitBackoff: BackoffOptions;
  private readonly maxRateLimitWaitMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  /** Requests issued by this provider since creation (diagnostics). */
  requestsIssued = 0;

  /** @throws ProviderConfigError when baseUrl is not an http(s) URL or apiKey is empty. */
  constructor(options: HttpProviderOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (err) {
      throw new ProviderConfigError(`invalid provider base URL ${JSON.stringify(options.baseUrl)}`, { cause: err });
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new ProviderConfigError(`provider base URL must be http(s), got ${JSON.stringify(options.baseUrl)}`);
    }
    if (!options.apiKey) throw new ProviderConfigError("the HTTP price provider needs an API key (SIGMA_POLYGON_API_KEY)");
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBackoff = options.retryBackoff ?? { baseMs: 1_000, capMs: 30_000 };
    this.rateLimitBackoff = options.rateLimitBackoff ?? { baseMs: 12_000, capMs: 60_000 };
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 300_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.limiter = new TokenBucket({
      requestsPerMinute: options.requestsPerMinute ?? 5,
      burst: options.burst ?? 1,
      clock: options.clock,
      sleep: this.sleep,
    });
  }

  /** @inheritDoc */
  describe(): string {
    return `polygon-style aggregates API at ${this.baseUrl}`;
  }

  /**
   * Daily adjusted bars of `symbol` in [start, end], following `next_url` pages if the API splits
   * the answer.
   * @throws RangeError for malformed dates; ProviderError / ProviderConfigError per the module's
   *   failure policy; the signal's reason on abort.
   */
  async fetchDaily(symbol: string, start: string, end: string, signal?: AbortSignal): Promise<FetchResult> {
    assertDateRange(start, end);
    const sym = normalizeSymbol(symbol);
    const counter = { requests: 0 };
    let url: string | undefined =
      `${this.baseUrl}/v2/aggs/ticker/${encodeURIComponent(sym)}/range/1/day/${start}/${end}` +
      `?adjusted=true&sort=asc&limit=50000&apiKey=${encodeURIComponent(this.apiKey)}`;
    const byDate = new Map<string, DailyBar>();
    while (url) {
      const page = await this.requestPage(url, sym, counter, signal);
      if (page.kind === "not_found") {
        return { status: "unavailable", reason: "provider does not know the symbol (HTTP 404)", requests: counter.requests };
      }
      const results = page.body.results;
      if (results !== undefined && !Array.isArray(results)) {
        throw new ProviderError(`${sym}: malformed response (results is not an array)`, { retryable: false, attempts: counter.requests });
      }
      const status = page.body.status;
      if ((!results || results.length === 0) && status !== "OK" && status !== "DELAYED") {
        throw new ProviderError(
          `${sym}: provider status ${JSON.stringify(status)}: ${String(page.body.error ?? page.body.message ?? "")}`,
          {
            retryable: false,
            attempts: counter.requests,
          },
        );
      }
      for (const raw of (results ?? []) as AggBar[]) {
        const bar = toBar(raw, sym, counter.requests);
        // Bars outside the requested dates (a provider rounding its range) are not ours to store.
        if (bar.date < start || bar.date > end) continue;
        if (byDate.has(bar.date)) {
          throw new ProviderError(`${sym}: provider returned two bars for ${bar.date}`, { retryable: false, attempts: counter.requests });
        }
        byDate.set(bar.date, bar);
      }
      const next = page.body.next_url;
      url = typeof next === "string" && next !== "" ? withApiKey(next, this.apiKey) : undefined;
    }
    if (byDate.size === 0) {
      return { status: "unavailable", reason: "provider returned no bars for the symbol in the range", requests: counter.requests };
    }
    const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
    return { status: "ok", bars, requests: counter.requests };
  }

  /** One page with the retry and rate-limit policy applied. */
  private async requestPage(url: string, sym: string, counter: { requests: number }, signal?: AbortSignal): Promise<PageOutcome> {
    let failures = 0;
    let rateLimited = 0;
    let rateLimitWaited = 0;
    for (;;) {
      await this.limiter.acquire(signal);
      counter.requests++;
      this.requestsIssued++;
      let failure: { message: string; cause?: unknown };
      try {
        const timeout = AbortSignal.timeout(this.timeoutMs);
        const res = await this.fetchImpl(url, {
          headers: { accept: "application/json" },
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        if (res.status === 429) {
          await res.body?.cancel();
          rateLimited++;
          const wait = parseRetryAfter(res.headers.get("retry-after")) ?? backoffDelay(rateLimited, this.rateLimitBackoff, this.random);
          if (rateLimitWaited + wait > this.maxRateLimitWaitMs) {
            throw new ProviderError(
              `${sym}: still rate limited (HTTP 429) after waiting ${rateLimitWaited} ms; the allowed total is ${this.maxRateLimitWaitMs} ms`,
              { retryable: true, attempts: counter.requests },
            );
          }
          rateLimitWaited += wait;
          await this.sleep(wait, signal);
          continue;
        }
        if (res.status === 404) {
          await res.body?.cancel();
          return { kind: "not_found" };
        }
        if (res.status === 401 || res.status === 403) {
          const text = await snippet(res, this.apiKey);
          throw new ProviderConfigError(`provider rejected the API key (HTTP ${res.status}): ${text}; check SIGMA_POLYGON_API_KEY`);
        }
        if (res.status >= 500 || res.status === 408) {
          failure = { message: `HTTP ${res.status}: ${await snippet(res, this.apiKey)}` };
        } else if (!res.ok) {
          throw new ProviderError(`${sym}: provider refused the request (HTTP ${res.status}): ${await snippet(res, this.apiKey)}`, {
            retryable: false,
            attempts: counter.requests,
          });
        } else {
          const text = await res.text();
          try {
            const body: unknown = JSON.parse(text);
            if (body === null || typeof body !== "object" || Array.isArray(body)) throw new Error("body is not a JSON object");
            return { kind: "ok", body: body as Record<string, unknown> };
          } catch (err) {
            // A cut-off body is usually transient: retry like a 5xx.
            failure = { message: `unparseable response: ${(err as Error).message}`, cause: err };
          }
        }
      } catch (err) {
        if (err instanceof ProviderError || err instanceof ProviderConfigError) throw err;
        // The caller's abort is not a provider failure: propagate it untouched.
        if (signal?.aborted) throw signal.reason;
        failure = { message: describeNetworkError(err, this.timeoutMs), cause: err };
      }
      failures++;
      if (failures >= this.maxAttempts) {
        throw new ProviderError(`${sym}: provider failed after ${failures} attempts: ${failure.message}`, {
          cause: failure.cause,
          retryable: true,
          attempts: counter.requests,
        });
      }
      await this.sleep(backoffDelay(failures, this.retryBackoff, this.random), signal);
    }
  }
}

/** Converts and validates one aggregate bar. */
function toBar(raw: AggBar, sym: string, attempts: number): DailyBar {
  const nums = [raw?.t, raw?.o, raw?.h, raw?.l, raw?.c, raw?.v];
  if (!nums.every((x) => typeof x === "number" && Number.isFinite(x))) {
    throw new ProviderError(`${sym}: malformed bar ${JSON.stringify(raw)}`, { retryable: false, attempts });
  }
  const [t, open, high, low, close, volume] = nums as number[];
  return { date: newYorkDate(new Date(t!)), open: open!, high: high!, low: low!, close: close!, volume: volume! };
}

/** Polygon's next_url omits the key: add it back. */
function withApiKey(url: string, apiKey: string): string {
  const u = new URL(url);
  u.searchParams.set("apiKey", apiKey);
  return u.toString();
}

/** First 200 characters of an error body, for messages (the body is consumed; the key is masked). */
async function snippet(res: Response, apiKey: string): Promise<string> {
  try {
    const text = (await res.text()).replaceAll(apiKey, "***");
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch (err) {
    return `(body unreadable: ${(err as Error).message})`;
  }
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const detail = e?.cause?.code ?? e?.cause?.message;
  return `network error: ${e?.message ?? String(err)}${detail ? ` (${detail})` : ""}`;
}
