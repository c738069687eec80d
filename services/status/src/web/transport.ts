/** The request/response types shared by the web handlers (HTTP/1.1 and HTTP/2), and body reading. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";

/**
 * A request as connect-node's fallback passes it: HTTP/1.1 or HTTP/2 (compat API), so the
 * same handler serves the page on the HTTP/1.1 port and the h2c port.
 */
export type WebRequest = IncomingMessage | Http2ServerRequest;

/**
 * The response matching {@link WebRequest}, with write/writeHead narrowed to one common
 * signature (the same patch as connect-node's `NodeServerResponse`, which is assignable to it).
 */
export type WebResponse = (Omit<ServerResponse, "write" | "writeHead" | "on"> | Omit<Http2ServerResponse, "write" | "writeHead" | "on">) & {
  write(chunk: string | Uint8Array): boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  on(event: "close", listener: () => void): unknown;
};

/** One route of the web handler. */
export interface WebRoute {
  readonly method: "GET" | "POST";
  handle(req: WebRequest, res: WebResponse, url: URL): Promise<void>;
}

/** The first value of a request header. */
export function headerOf(req: WebRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Thrown when a request body is over its bound (HTTP 413). */
export class PayloadTooLargeError extends Error {}

/**
 * Reads a request body up to `limit` bytes; a longer one (by Content-Length or as it streams)
 * is refused without reading the rest.
 *
 * @throws PayloadTooLargeError over the limit
 */
export async function readBody(req: WebRequest, limit: number, message: string): Promise<Uint8Array> {
  const declared = Number(headerOf(req, "content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw new PayloadTooLargeError(message);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(message);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
