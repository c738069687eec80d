/**
 * Errors connect-node raises while READING a request, before any interceptor runs (so our error
 * interceptor never sees them): an undecodable protobuf body and a message over `readMaxBytes`.
 *
 * connect-node answers an undecodable binary body with INTERNAL ("parse binary: ...") — the
 * caller's mistake reported as a server bug — and logs nothing. This wrapper, applied to the
 * router's handlers, turns that into INVALID_ARGUMENT on the gRPC and Connect protocols and writes
 * the one RPC log line (bounded) for both kinds of refusal. gRPC-Web responses carry their status
 * inside the body and are left as connect-node wrote them.
 */
import { Code, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { Logger } from "pino";
import { codeName, truncateEcho } from "./errors.js";

/** connect-node's message prefix for an undecodable binary request. */
const PARSE_PREFIX = "parse binary: ";
/** connect-node's message for a request over readMaxBytes. */
const TOO_LARGE = /larger than configured readMaxBytes/;

/** What the caller should be told instead of "parse binary: ...". */
function invalidBody(detail: string): string {
  return truncateEcho(`request body is not a valid protobuf message: ${detail}`);
}

/**
 * Wraps every handler of `router` in place (call it after all services are registered).
 *
 * @param logger - the process logger: refused requests get one "rpc" line at info.
 */
export function hardenRequestErrors(router: ConnectRouter, logger: Logger): void {
  const handlers = router.handlers;
  for (let i = 0; i < handlers.length; i++) {
    const inner = handlers[i]!;
    const rpc = `${inner.service.typeName}/${inner.method.name}`;
    const log = (code: Code, message: string): void => {
      logger.info({ rpc, code: codeName(code), error: truncateEcho(message) }, "rpc");
    };
    const wrapped = (async (req) => fixResponse(await inner(req), log)) as UniversalHandler;
    handlers[i] = Object.assign(wrapped, {
      protocolNames: inner.protocolNames,
      service: inner.service,
      method: inner.method,
      requestPath: inner.requestPath,
      allowedMethods: inner.allowedMethods,
      supportedContentType: inner.supportedContentType,
    });
  }
}

async function fixResponse(res: UniversalServerResponse, log: (code: Code, message: string) => void): Promise<UniversalServerResponse> {
  // gRPC: the status travels in trailers, written after the body is drained.
  if (res.trailer && res.body) {
    const trailer = res.trailer;
    const body = res.body;
    return {
      ...res,
      body: (async function* () {
        yield* body;
        fixGrpcTrailer(trailer, log);
      })(),
    };
  }
  // Connect unary: an error is a non-200 JSON body {code, message}.
  const type = res.header?.get("content-type") ?? "";
  if (res.status !== 200 && res.body && type.startsWith("application/json")) {
    const chunks: Uint8Array[] = [];
    for await (const c of res.body) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    let parsed: { code?: string; message?: string } | undefined;
    try {
      parsed = JSON.parse(bytes.toString("utf8")) as { code?: string; message?: string };
    } catch {
      parsed = undefined;
    }
    const message = parsed?.message ?? "";
    if (parsed?.code === "internal" && message.startsWith(PARSE_PREFIX)) {
      const out = Buffer.from(JSON.stringify({ code: "invalid_argument", message: invalidBody(message.slice(PARSE_PREFIX.length)) }));
      const header = new Headers(res.header);
      header.set("content-length", String(out.byteLength));
      log(Code.InvalidArgument, message);
      return { ...res, status: 400, header, body: once(out) };
    }
    if (parsed?.code === "resource_exhausted" && TOO_LARGE.test(message)) log(Code.ResourceExhausted, message);
    return { ...res, body: once(bytes) };
  }
  return res;
}

function fixGrpcTrailer(trailer: Headers, log: (code: Code, message: string) => void): void {
  const status = trailer.get("grpc-status");
  const raw = trailer.get("grpc-message");
  if (status === null || raw === null) return;
  let message: string;
  try {
    message = decodeURIComponent(raw);
  } catch {
    return;
  }
  if (status === String(Code.Internal) && message.startsWith(PARSE_PREFIX)) {
    trailer.set("grpc-status", String(Code.InvalidArgument));
    trailer.set("grpc-message", encodeURIComponent(invalidBody(message.slice(PARSE_PREFIX.length))));
    log(Code.InvalidArgument, message);
  } else if (status === String(Code.ResourceExhausted) && TOO_LARGE.test(message)) {
    log(Code.ResourceExhausted, message);
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
