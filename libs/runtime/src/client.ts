/**
 * Clients for service-to-service calls: gRPC over HTTP/2, a default deadline on every call,
 * retries of transport failures within a time budget, and the bearer token.
 */
import type { DescService } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { Logger } from "pino";
import { CORRELATION_HEADERS, type Correlation, currentCorrelation } from "./context.js";
import { codeName, truncateEcho } from "./errors.js";
import { createGrpcLbTransport } from "./grpc-lb-transport.js";
import { loadRuntimeLimits } from "./limits.js";
import { parsePeerUrl } from "./peer-url.js";
import { type BackoffOptions, type RetryInfo, retryWithBackoff } from "./retry.js";

export { backoffDelayMs } from "./retry.js";

/** Methods that must not run twice: a retry after the request may have reached the server would start a second run / import. */
export const NON_IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  "sigma.coordinator.v1.CoordinatorService/RunBatch",
  "sigma.coordinator.v1.CoordinatorService/OnboardPortfolio",
  "sigma.snapshot.v1.SnapshotService/ImportPortfolio",
]);

/** Socket errors meaning the connection failed or died under the call (never a verdict of the server). */
const TRANSPORT_ERRNOS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** Errnos that prove the request never left this process: safe to retry even non-idempotent calls. */
const NOT_SENT_ERRNOS = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
/** Messages connect-node / Node's http2 give a stream or session that died under the call. */
const TRANSPORT_MESSAGE = /http\/2 stream closed|ECONNRESET|EPIPE|socket hang up|GOAWAY|session (closed|destroyed)/i;

function errnoOf(err: ConnectError): string | undefined {
  const c = err.cause as { code?: unknown } | undefined;
  return typeof c?.code === "string" ? c.code : undefined;
}

/** How a failed attempt may be retried. */
export type TransportFailure = "not-sent" | "maybe-sent" | "none";

/**
 * Classifies a failed call: `not-sent` when the connection was never made (refused, unreachable),
 * `maybe-sent` for other transport failures (UNAVAILABLE, a reset, a stream closed by a dying peer:
 * CANCELED although the caller did not abort), `none` for an answer of the server or the caller's
 * own abort/deadline, which a retry must not override.
 *
 * @param callerAborted - whether the caller's own signal aborted (then CANCELED is its doing).
 */
export function classifyTransportFailure(err: ConnectError, callerAborted: boolean): TransportFailure {
  if (callerAborted) return "none";
  const errno = errnoOf(err);
  if (errno && NOT_SENT_ERRNOS.has(errno)) return "not-sent";
  if (err.code === Code.Unavailable) return /ECONNREFUSED/.test(err.rawMessage) ? "not-sent" : "maybe-sent";
  if (errno && TRANSPORT_ERRNOS.has(errno)) return "maybe-sent";
  if (err.code === Code.Canceled || err.code === Code.Internal || err.code === Code.Unknown) {
    return TRANSPORT_MESSAGE.test(err.rawMessage) ? "maybe-sent" : "none";
  }
  return "none";
}

/** Retry policy of {@link withRetries}. */
export interface RpcRetryOptions extends BackoffOptions {
  /** How long after the first failure retries may start (ms; default SIGMA_RPC_RETRY_BUDGET_MS or 60 s; 0 disables). */
  budgetMs?: number;
  /** Optional cap on retries per call. */
  maxRetries?: number;
  /** Fully-qualified "pkg.Service/Method" names that must not be repeated (default {@link NON_IDEMPOTENT_METHODS}). */
  nonIdempotent?: ReadonlySet<string>;
  /** Called before each retry (logs, metrics). */
  onRetry?: (info: RetryInfo & { method: string; error: ConnectError }) => void;
  /** Clock (ms) measuring the budget; injectable for tests. */
  now?: () => number;
}

/**
 * Wraps a transport so unary calls are retried on transport failures (see
 * {@link classifyTransportFailure}) with exponential backoff and full jitter, for up to
 * `budgetMs` after the first failure. Idempotent methods retry every transport failure;
 * non-idempotent ones (RunBatch, OnboardPortfolio, ImportPortfolio) only failures that prove the
 * request was never sent. Each attempt gets the caller's deadline afresh (a per-attempt bound);
 * DEADLINE_EXCEEDED, the caller's abort and every answer of the server are final. Streams pass
 * through (their messages cannot be replayed). When it gives up after retrying, the error keeps
 * its code and says how many attempts were made.
 */
export function withRetries(transport: Transport, opts: RpcRetryOptions = {}): Transport {
  const budgetMs = opts.budgetMs ?? loadRuntimeLimits().rpcRetryBudgetMs;
  const nonIdempotent = opts.nonIdempotent ?? NON_IDEMPOTENT_METHODS;
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const name = `${method.parent.typeName}/${method.name}`;
      const idempotent =
        !nonIdempotent.has(name) ||
        method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
        method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
      const started = Date.now();
      let attempts = 0;
      try {
        return await retryWithBackoff(
          () => {
            attempts++;
            return transport.unary(method, signal, timeoutMs, header, input, contextValues);
          },
          {
            ...opts,
            budgetMs,
            signal,
            isRetryable: (e) => {
              const kind = classifyTransportFailure(ConnectError.from(e), signal?.aborted ?? false);
              return kind === "not-sent" || (kind === "maybe-sent" && idempotent);
            },
            onRetry: (i) => opts.onRetry?.({ ...i, method: name, error: ConnectError.from(i.error) }),
          },
        );
      } catch (e) {
        const err = ConnectError.from(e);
        if (attempts <= 1) throw err;
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        throw new ConnectError(
          `${err.rawMessage} (gave up after ${attempts} attempts over ${secs} s)`,
          err.code,
          err.metadata,
          undefined,
          err.cause ?? err,
        );
      }
    },
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, header, input, contextValues),
  };
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
  /** 0 disables retries; otherwise an optional cap on retries per call (the budget bounds them anyway). */
  retries?: number;
  /** Retry budget and backoff tuning (see RpcRetryOptions). */
  retry?: RpcRetryOptions;
  /** Bearer token (or a function returning one) sent on every call. */
  token?: string | (() => string | Promise<string>);
  /** When given, each retry is logged at warn (the method, attempt, wait and the failure). */
  logger?: Pick<Logger, "warn">;
  /** Largest request this client sends (bytes; default SIGMA_MAX_REQUEST_BYTES or 16 MiB, the servers' limit). */
  maxRequestBytes?: number;
  /** Extra interceptors, run once per attempt. */
  interceptors?: readonly Interceptor[];
}

/**
 * Creates a typed client for `service` at `baseUrl`, a peer URL (see `parsePeerUrl`):
 *
 * - `http://host:port`: the gRPC protocol over HTTP/2 (h2c for http: URLs) to one address
 *   (connect-node's gRPC transport).
 * - `grpc+lb://ip1:port1,ip2:port2` or `dns:///name:port`: a grpc-js channel balancing calls
 *   over every replica with `round_robin` (see `createGrpcLbTransport`); with the retries below,
 *   a call that failed on a replica that died is retried and lands on a live one.
 *
 * Deadlines, retries, the bearer token and the correlation headers are the same for both.
 * The connection is opened lazily and does not keep the process alive while idle.
 *
 * @throws PeerUrlError when baseUrl is none of the accepted forms.
 */
export function createServiceClient<S extends DescService>(service: S, baseUrl: string, opts: ServiceClientOptions = {}): Client<S> {
  const peer = parsePeerUrl(baseUrl);
  const interceptors: Interceptor[] = [];
  if (opts.token !== undefined) interceptors.push(bearerInterceptor(opts.token));
  // Every call forwards the caller's run id / phase / date, so the callee's per-RPC logger carries them.
  interceptors.push(correlationInterceptor(currentCorrelation));
  interceptors.push(...(opts.interceptors ?? []));
  const limits = loadRuntimeLimits();
  const writeMaxBytes = opts.maxRequestBytes ?? limits.maxRequestBytes;
  const transport =
    peer.kind === "grpc-lb"
      ? createGrpcLbTransport({ target: peer.target, interceptors, writeMaxBytes })
      : // The gRPC transport of connect-node always speaks HTTP/2 (no httpVersion option to set).
        createGrpcTransport({
          baseUrl: peer.baseUrl,
          interceptors,
          // A request over the servers' limit is refused here, before a byte is sent.
          writeMaxBytes,
          // No gzip between services: the payloads are packed floats (they barely compress) on a
          // loopback or in-cluster network, and gzip cost 1.8 s of CPU in a 100-portfolio backfill.
          acceptCompression: [],
          // Node's HTTP/2 session kills itself (NGHTTP2_ENHANCE_YOUR_CALM, failing every call on the
          // connection) when more than maxSessionMemory (default 10 MB) is buffered, which a large
          // request refused early by the server leaves behind: leave room for two maximal requests.
          nodeOptions: { maxSessionMemory: Math.ceil((2 * writeMaxBytes) / 1e6) + 16 },
        });
  const { logger } = opts;
  const onRetry =
    opts.retry?.onRetry ??
    (logger
      ? (i: RetryInfo & { method: string; error: ConnectError }) =>
          logger.warn(
            {
              rpc: i.method,
              attempt: i.attempt,
              delayMs: i.delayMs,
              code: codeName(i.error.code),
              error: truncateEcho(i.error.rawMessage),
            },
            "rpc failed (transport), retrying",
          )
      : undefined);
  const retrying =
    opts.retries === 0 ? transport : withRetries(transport, { ...opts.retry, onRetry, maxRetries: opts.retries ?? opts.retry?.maxRetries });
  // The deadline wraps the retries, so every attempt gets it afresh.
  return createClient(service, withUnaryDeadline(retrying, opts.timeoutMs ?? 30_000));
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
