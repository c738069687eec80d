import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { toJson } from "@bufbuild/protobuf";
import {
  StatusViewSchema,
  WatchStatusResponseSchema,
  type GetActivityLogResponse,
  type StatusView,
  type WatchStatusResponse,
} from "@sigma/contracts";
import { formatActivityLog } from "../domain/activity-text.js";
import { InvalidTargetError, describeTarget, targetFromQuery, type TargetRef } from "../domain/target.js";
import { renderStatusPage } from "./page.js";

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

/** What the web endpoints need from the service; the lead wires these to the projection. */
export interface WebHandlerDeps {
  /** Current status of a target (state NOT_FOUND when unknown). */
  getStatus(target: TargetRef): StatusView | Promise<StatusView>;
  /** Full activity log of a target's run (empty run id when unknown). */
  getActivityLog(target: TargetRef): GetActivityLogResponse | Promise<GetActivityLogResponse>;
  /**
   * Live updates for Server-Sent Events with WatchStatus semantics (e.g.
   * `StatusWatchHub.subscribe`): calls `onUpdate` with the current status when due, then once
   * per change; only updates with seq > afterSeq. Without it `/api/events` answers 501 and the
   * page polls `/api/status`.
   */
  subscribe?(target: TargetRef, afterSeq: number, onUpdate: (update: WatchStatusResponse) => void): () => void;
  /** Starts a new run for the target (POST /api/retry); without it the Retry button is hidden. */
  retry?(target: TargetRef): Promise<{ runId: string }>;
  /**
   * Authorization (SPEC §5): false answers 403 without saying whether the target exists.
   * Without it every request is allowed (e.g. behind an authenticating proxy, or in dev).
   */
  authorize?(req: WebRequest, target: TargetRef): boolean | Promise<boolean>;
  /** Receives unexpected errors (the client gets a 500 without the details). */
  onError(error: unknown, req: WebRequest): void;
  /** Interval of SSE keep-alive comments in milliseconds; default 15 000. */
  readonly keepAliveMs?: number;
}

/** Handles one HTTP/1.1 request; returns false when the path is not one of the web routes. */
export type WebHandler = (req: WebRequest, res: WebResponse) => boolean;

/** A client error with its HTTP status; the message is safe to show. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** HTTP statuses for the RPC errors a page action can meet (anything else is a 500). */
const HTTP_STATUS_OF: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.PermissionDenied]: 403,
  [Code.Unauthenticated]: 401,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.Unimplemented]: 501,
  [Code.Unavailable]: 503,
};

const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;

/**
 * Creates the HTTP handler of the status page and its JSON endpoints (HTTP/1.1; browsers cannot
 * speak h2c to the gRPC port, so the service serves this on a second port):
 *
 * - `GET /` — the page ({@link renderStatusPage});
 * - `GET /api/status?run=ID|portfolio=ID` — the StatusView as proto JSON (defaults included;
 *   enums as names, int64 as strings); NOT_FOUND is a 200 with that state;
 * - `GET /api/log?…` — the full activity log as a text/plain attachment; 404 when no run;
 * - `GET /api/events?…[&after=SEQ]` — Server-Sent Events: `event: status`, `id: <seq>`,
 *   `data: <WatchStatusResponse JSON>`; a `Last-Event-ID` header (sent on reconnect) takes
 *   precedence over `after`, so a reconnecting client gets no duplicates and loses nothing;
 * - `POST /api/retry?…` — `{ "runId": "…" }` from `deps.retry`.
 *
 * Errors: 400 for a missing/ambiguous target or bad `after`, 403 when `authorize` refuses,
 * 405 for a wrong method, 501 for an endpoint whose dependency is absent, 500 (reported to
 * `onError`) otherwise.
 */
export function createWebHandler(deps: WebHandlerDeps): WebHandler {
  const page = renderStatusPage({ retryEnabled: deps.retry !== undefined });
  const keepAliveMs = deps.keepAliveMs ?? 15_000;

  const routes: Record<string, { method: string; handle: (req: WebRequest, res: WebResponse, url: URL) => Promise<void> }> = {
    "/": { method: "GET", handle: async (_req, res) => sendPage(res, page) },
    "/index.html": { method: "GET", handle: async (_req, res) => sendPage(res, page) },
    "/api/status": {
      method: "GET",
      handle: async (req, res, url) => {
        const target = await authorizedTarget(deps, req, url);
        const view = await deps.getStatus(target);
        sendJson(res, 200, toJson(StatusViewSchema, view, JSON_OPTIONS));
      },
    },
    "/api/log": {
      method: "GET",
      handle: async (req, res, url) => {
        const target = await authorizedTarget(deps, req, url);
        const log = await deps.getActivityLog(target);
        if (log.runId === "") throw new HttpError(404, `no run found for ${describeTarget(target)}`);
        res.writeHead(200, {
          "Content-Type": "text/plain; charset=utf-8",
          "Content-Disposition": `attachment; filename="${logFileName(log.runId)}"`,
          "Cache-Control": "no-store",
        });
        res.end(formatActivityLog(log.runId, log.entries));
      },
    },
    "/api/events": {
      method: "GET",
      handle: async (req, res, url) => {
        if (!deps.subscribe) throw new HttpError(501, "live updates are not available; poll /api/status");
        const target = await authorizedTarget(deps, req, url);
        streamEvents(req, res, deps.subscribe, target, resumeAfter(req, url), keepAliveMs);
      },
    },
    "/api/retry": {
      method: "POST",
      handle: async (req, res, url) => {
        if (!deps.retry) throw new HttpError(501, "retry is not available");
        const target = await authorizedTarget(deps, req, url);
        const started = await deps.retry(target);
        sendJson(res, 200, { runId: started.runId });
      },
    },
  };

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes[url.pathname];
    if (!route) return false;
    if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) {
      res.setHeader("Allow", route.method);
      sendText(res, 405, `method ${req.method} not allowed`);
      return true;
    }
    route.handle(req, res, url).catch((error: unknown) => {
      if (error instanceof HttpError) return sendText(res, error.status, error.message);
      if (error instanceof InvalidTargetError) return sendText(res, 400, error.message);
      // An RPC the page triggered (Retry → coordinator RunBatch) failed: pass its code on.
      if (error instanceof ConnectError && HTTP_STATUS_OF[error.code]) return sendText(res, HTTP_STATUS_OF[error.code]!, error.rawMessage);
      deps.onError(error, req);
      sendText(res, 500, "internal error");
    });
    return true;
  };
}

async function authorizedTarget(deps: WebHandlerDeps, req: WebRequest, url: URL): Promise<TargetRef> {
  const target = targetFromQuery(url.searchParams);
  if (deps.authorize && !(await deps.authorize(req, target))) {
    throw new HttpError(403, "permission denied");
  }
  return target;
}

/** Last-Event-ID (set by a reconnecting client) wins over ?after=; both default to 0. */
function resumeAfter(req: WebRequest, url: URL): number {
  const header = req.headers["last-event-id"];
  const raw = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("after") ?? "0";
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new HttpError(400, `invalid resume sequence "${raw}"`);
  }
  return Number(raw);
}

function streamEvents(
  req: WebRequest,
  res: WebResponse,
  subscribe: NonNullable<WebHandlerDeps["subscribe"]>,
  target: TargetRef,
  after: number,
  keepAliveMs: number,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    // No "Connection: keep-alive": HTTP/1.1 keeps alive by default and HTTP/2 forbids the header.
    "Cache-Control": "no-store",
    // Reverse proxies (nginx) would otherwise buffer the stream.
    "X-Accel-Buffering": "no",
  });
  res.write("retry: 3000\n\n");
  let closed = false;
  let unsubscribe: (() => void) | undefined;
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
  keepAlive.unref();
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    unsubscribe?.();
  };
  // 'close' fires when the client goes away; the subscription must end with it.
  res.on("close", close);
  unsubscribe = subscribe(target, after, (update) => {
    if (closed || res.writableEnded) return;
    const data = JSON.stringify(toJson(WatchStatusResponseSchema, update, JSON_OPTIONS));
    res.write(`id: ${update.seq}\nevent: status\ndata: ${data}\n\n`);
  });
  // subscribe may have delivered synchronously into a connection that closed meanwhile.
  if (closed) unsubscribe();
  if (req.destroyed) close();
}

function logFileName(runId: string): string {
  return `sigma-run-${runId.replace(/[^A-Za-z0-9._-]/g, "_")}.log`;
}

function sendPage(res: WebResponse, html: string): void {
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
    // Everything is inline; nothing may be loaded from elsewhere.
    "Content-Security-Policy":
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
  });
  res.end(html);
}

function sendJson(res: WebResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendText(res: WebResponse, status: number, message: string): void {
  if (res.headersSent) {
    // Mid-stream failure: the status line is gone; ending the response is all that is left.
    res.end();
    return;
  }
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(message);
}
