/**
 * The one error boundary of a server: maps thrown errors to RPC status codes (see
 * `toConnectError`) and writes exactly one log line per RPC.
 */
import { Code, ConnectError, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { Logger } from "pino";
import { CORRELATION_HEADERS, isInfrastructureService, loggerKey, principalKey, withCorrelation } from "./context.js";
import { codeName, MAX_ERROR_MESSAGE_CHARS, toConnectError, truncateEcho } from "./errors.js";

/** Codes that indicate a server bug or broken dependency rather than a caller mistake. */
const SERVER_FAULT_CODES = new Set<Code>([Code.Internal, Code.Unknown, Code.DataLoss]);

/**
 * Creates the server interceptor that
 * 1. binds a child logger `{ rpc: "pkg.Service/Method", runId?, phase?, date? }` and stores it
 *    under `loggerKey` for the handler;
 * 2. maps errors thrown by the handler (or by inner interceptors) with `toConnectError`:
 *    `ConnectError`s pass through, domain errors get their code, anything else becomes
 *    `Internal` with a generic message while the cause is logged here;
 * 3. logs ONE line when the call ends: `code`, `durationMs`, `sub` (when authenticated); for
 *    streams, when the response stream ends, fails or is cancelled.
 *
 * Server faults (INTERNAL/UNKNOWN/DATA_LOSS) log at "error" with the cause; other codes at
 * "info"; health and reflection calls at "debug" (Kubernetes probes every few seconds).
 * Put it FIRST in the interceptor list so it also sees errors from the auth interceptor.
 *
 * @param logger The process root logger.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const bindings: Record<string, string> = { rpc: `${req.service.typeName}/${req.method.name}` };
    for (const [field, header] of Object.entries(CORRELATION_HEADERS)) {
      const v = req.header.get(header);
      if (v) bindings[field] = truncateEcho(v);
    }
    const log = logger.child(bindings);
    req.contextValues.set(loggerKey, log);
    const infra = isInfrastructureService(req.service.typeName);

    let logged = false;
    const finish = (err: ConnectError | undefined): void => {
      // Streams can end through more than one path (error + return); log once.
      if (logged) return;
      logged = true;
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      const sub = req.contextValues.get(principalKey)?.sub;
      const fields: Record<string, unknown> = { code: codeName(err?.code), durationMs };
      if (sub !== undefined) fields.sub = sub;
      if (err === undefined) {
        if (infra) log.debug(fields, "rpc");
        else log.info(fields, "rpc");
        return;
      }
      fields.error = err.rawMessage;
      if (SERVER_FAULT_CODES.has(err.code)) {
        // The cause (original exception) is only ever visible here, never to the client.
        log.error({ ...fields, err: boundedError(err.cause ?? err) }, "rpc");
      } else if (infra) log.debug(fields, "rpc");
      else log.info(fields, "rpc");
    };

    let res;
    try {
      // The handler's own outgoing calls forward the caller's correlation (see createServiceClient).
      res = await withCorrelation(bindings, () => next(req));
    } catch (e) {
      const ce = toConnectError(e);
      finish(ce);
      throw ce;
    }
    if (!res.stream) {
      finish(undefined);
      return res;
    }
    return { ...res, message: mapStream(res, finish) } satisfies StreamResponse;
  };
}

/**
 * The logged form of an unexpected error: type, code, message and stack, each bounded, so an
 * error that quotes a huge input does not turn into a huge log line.
 */
export function boundedError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { type: typeof e, message: truncateEcho(String(e), MAX_ERROR_MESSAGE_CHARS) };
  const out: Record<string, unknown> = { type: e.name, message: truncateEcho(e.message, MAX_ERROR_MESSAGE_CHARS) };
  const code = (e as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (e.stack) out.stack = truncateEcho(e.stack, 2 * MAX_ERROR_MESSAGE_CHARS);
  if (e.cause !== undefined)
    out.cause =
      e.cause instanceof Error
        ? truncateEcho(`${e.cause.name}: ${e.cause.message}`, MAX_ERROR_MESSAGE_CHARS)
        : truncateEcho(String(e.cause));
  return out;
}

/**
 * Wraps a response stream so errors raised while producing messages are mapped too, and the
 * RPC is logged when the stream completes, fails, or the consumer stops early (cancellation).
 */
async function* mapStream<T>(res: { message: AsyncIterable<T> }, finish: (err: ConnectError | undefined) => void): AsyncGenerator<T> {
  let completed = false;
  try {
    yield* res.message;
    completed = true;
  } catch (e) {
    const ce = toConnectError(e);
    finish(ce);
    throw ce;
  } finally {
    // Reaching finally without completing or throwing means the consumer returned early,
    // which on the server side means the client went away.
    if (completed) finish(undefined);
    else finish(new ConnectError("stream closed by client", Code.Canceled));
  }
}
