/**
 * Clients for service-to-service calls: gRPC over HTTP/2, a default deadline on every call,
 * bounded retries of transient failures, and the bearer token.
 */
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CORRELATION_HEADERS, type Correlation, currentCorrelation } from "./context.js";

/** Retry policy of `retryInterceptor`. */
export interface RetryOptions {
  /** Retries after the first attempt (0 = no retry). Total attempts = retries + 1. */
  retries: number;
  /** Delay before the first retry (ms, default 100); doubles each retry. */
  baseDelayMs?: number;
  /** Cap on one delay (ms, default 2000). */
  maxDelayMs?: number;
  /** Random source in [0,1) for jitter (tests inject a fixed one). */
  random?: () => number;
  /** Called before each retry (for logs/metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; error: ConnectError; method: string }) => void;
}

/** Codes worth retrying: the call did not run (UNAVAILABLE) or ran out of time (DEADLINE_EXCEEDED). */
const RETRYABLE = new Set<Code>([Code.Unavailable, Code.DeadlineExceeded]);

/**
 * Backoff delay before retry number `attempt` (1-based): "full jitter" — uniform in
 * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]. Full jitter spreads retries of many
 * clients hit by the same outage instead of synchronizing them.
 *
 * @returns Delay in ms (integer, >= 0).
 */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Client interceptor that retries unary calls failing with UNAVAILABLE or DEADLINE_EXCEEDED,
 * with exponential backoff and full jitter. Other codes are never retried; streaming calls are
 * passed through untouched (their messages cannot be replayed). The call's deadline covers all
 * attempts: retries never extend it, and once the deadline passed or the caller aborted, the
 * call is not retried.
 */
export function retryInterceptor(opts: RetryOptions): Interceptor {
  const base = opts.baseDelayMs ?? 100;
  const max = opts.maxDelayMs ?? 2000;
  return (next) => async (req) => {
    if (req.stream) return next(req);
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(req);
      } catch (e) {
        const err = ConnectError.from(e);
        if (!RETRYABLE.has(err.code) || attempt >= opts.retries || req.signal.aborted) throw err;
        const delayMs = backoffDelayMs(attempt + 1, base, max, opts.random);
        opts.onRetry?.({ attempt: attempt + 1, delayMs, error: err, method: `${req.service.typeName}/${req.method.name}` });
        await sleep(delayMs, req.signal);
      }
    }
  };
}

/** Sleeps `ms`, rejecting early with Canceled when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new ConnectError("call cancelled while waiting to retry", Code.Canceled));
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Client interceptor adding `authorization: Bearer <token>` to every call. `token` may be a
 * function (e.g. re-issuing short-lived service tokens).
 */
export function bearerInterceptor(token: string | (() => string | Promise<string>)): Interceptor {
  return (next) => async (req) => {
    req.header.set("authorization", `Bearer ${typeof token === "function" ? await token() : token}`);
    return next(req);
  };
}

/** Client interceptor adding the correlation headers (`sigma-run-id`, `sigma-phase`, `sigma-date`). */
export function correlationInterceptor(get: () => Correlation): Interceptor {
  return (next) => async (req) => {
    const c = get();
    for (const [field, header] of Object.entries(CORRELATION_HEADERS)) {
      const v = c[field as keyof Correlation];
      if (v) req.header.set(header, v);
    }
    return next(req);
  };
}

/** Options of `createServiceClient`. */
export interface ServiceClientOptions {
  /**
   * Default deadline of every unary call (ms, default 30000); a call may pass its own
   * `timeoutMs`. Streaming calls get no default deadline (see `withUnaryDeadline`).
   */
  timeoutMs?: number;
  /** Retries of UNAVAILABLE/DEADLINE_EXCEEDED for unary calls (default 3; 0 disables). */
  retries?: number;
  /** Backoff tuning (see RetryOptions). */
  retry?: Omit<RetryOptions, "retries">;
  /** Bearer token (or a function returning one) sent on every call. */
  token?: string | (() => string | Promise<string>);
  /** Extra interceptors, run inside the retry loop (so once per attempt). */
  interceptors?: readonly Interceptor[];
}

/**
 * Creates a typed client for `service` at `baseUrl` (e.g. "http://marketdata:50051") using the
 * gRPC protocol over HTTP/2 (h2c for http: URLs).
 *
 * The connection is opened lazily and does not keep the process alive while idle.
 *
 * @throws Error when baseUrl is not an absolute http(s) URL.
 */
export function createServiceClient<S extends DescService>(service: S, baseUrl: string, opts: ServiceClientOptions = {}): Client<S> {
  const u = new URL(baseUrl);
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error(`unsupported URL scheme in ${baseUrl}`);
  const interceptors: Interceptor[] = [retryInterceptor({ retries: opts.retries ?? 3, ...opts.retry })];
  if (opts.token !== undefined) interceptors.push(bearerInterceptor(opts.token));
  // Every call forwards the caller's run id / phase / date, so the callee's per-RPC logger carries them.
  interceptors.push(correlationInterceptor(currentCorrelation));
  interceptors.push(...(opts.interceptors ?? []));
  // The gRPC transport of connect-node always speaks HTTP/2 (no httpVersion option to set).
  const transport = createGrpcTransport({ baseUrl, interceptors });
  return createClient(service, withUnaryDeadline(transport, opts.timeoutMs ?? 30_000));
}

/**
 * Wraps a transport so unary calls without an explicit `timeoutMs` get `defaultTimeoutMs`.
 * Streaming calls are left alone: watches are long-lived by design (a default deadline would cut
 * `WatchStatus` after 30 s) and are ended by their abort signal; pass `timeoutMs` explicitly
 * when a stream must be bounded.
 */
export function withUnaryDeadline(transport: Transport, defaultTimeoutMs: number): Transport {
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs ?? defaultTimeoutMs, header, input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, header, input, contextValues),
  };
}
