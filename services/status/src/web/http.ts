import { toJson } from "@bufbuild/protobuf";
import { StatusViewSchema, WatchStatusResponseSchema } from "@sigma/contracts";
import { type AuthConfig, authenticate, InvalidArgumentError, NotFoundError, type Principal, UnimplementedError } from "@sigma/runtime";
import { formatActivityLog } from "../domain/activity-text.js";
import { describeTarget, type TargetRef, targetFromQuery } from "../domain/target.js";
import type { StatusQueries } from "../usecases/status-queries.js";
import type { ClientBundle } from "./client-bundle.js";
import { codeName, httpErrorAnswer, isServerFault } from "./http-errors.js";
import { PayloadTooLargeError, type WebRequest, type WebResponse, type WebRoute } from "./transport.js";
import { renderStatusPage } from "./page.js";

export type { WebRequest, WebResponse } from "./transport.js";

/** What the web endpoints need from the service. */
export interface WebHandlerDeps {
  /** The server's auth config: requests are authenticated exactly like RPCs (runtime `authenticate`). */
  readonly auth: AuthConfig;
  /** The read use cases (access rules, readiness, NOT_FOUND), shared with the RPCs. */
  readonly queries: Pick<StatusQueries, "getStatus" | "getActivityLog" | "watch">;
  /** The bundled browser code (see client-bundle.ts). */
  readonly client: ClientBundle;
  /** Starts a new run for the target (POST /api/retry); without it the Retry button is hidden. */
  readonly retry?: (principal: Principal, target: TargetRef) => Promise<{ runId: string }>;
  /**
   * Whether `/api/events` streams (default true); false answers 501 and the page polls
   * `/api/status` instead.
   */
  readonly liveUpdates?: boolean;
  /** Receives server faults (the client gets a 500 with a generic message). */
  onError(error: unknown, req: WebRequest): void;
  /** Interval of SSE keep-alive comments in milliseconds; default 15 000. */
  readonly keepAliveMs?: number;
  /** The web app's API routes (app-api.ts), served next to the run page's. */
  readonly appRoutes?: Record<string, WebRoute>;
  /** CSS inlined into the page after its own (the chart library's stylesheet). */
  readonly extraCss?: string;
}

/** Paths of the web app's screens: each serves the same page, whose script draws the screen. */
export const APP_PAGE_PATHS: readonly string[] = ["/onboard", "/operator", "/signin"];
/** Prefix of the portfolio pages (`/portfolios/ID`). */
export const PORTFOLIO_PAGE_PREFIX = "/portfolios/";

/** Handles one request; returns false when the path is not one of the web routes. */
export type WebHandler = (req: WebRequest, res: WebResponse) => boolean;

const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;
/** Path of the bundled page script; the `v` query carries the bundle hash. */
export const CLIENT_SCRIPT_PATH = "/assets/status-page.js";

/**
 * Creates the HTTP handler of the status page and its JSON endpoints (served on the HTTP/1.1
 * port for browsers, and on the h2c port):
 *
 * - `GET /` — the page ({@link renderStatusPage}); `GET /assets/status-page.js` its script;
 * - `GET /api/status?run=ID|portfolio=ID` — the StatusView as proto JSON (defaults included;
 *   enums as names, int64 as strings); a portfolio without runs is a 200 with state NOT_FOUND;
 * - `GET /api/log?…` — the full activity log as a text/plain attachment;
 * - `GET /api/events?…[&after=SEQ]` — Server-Sent Events: `event: status`, `id: <seq>`,
 *   `data: <WatchStatusResponse JSON>`, ending after the run's final event; a `Last-Event-ID`
 *   header (sent on reconnect) takes precedence over `after`. An error after the stream began
 *   arrives as `event: error` with `data: { code, message }`;
 * - `POST /api/retry?…` — `{ "runId": "…" }` (the Retry use case).
 *
 * Every /api request goes through the RPCs' authentication (`Authorization: Bearer`, scheme
 * case-insensitive) and use cases; errors are mapped like RPC errors and answered with the
 * Connect protocol's HTTP status and a `{ code, message }` JSON body (e.g. 401 unauthenticated,
 * 403 permission_denied (neither an admin nor the run's portfolio owner, whether or not the
 * target exists), 400 invalid_argument, 404 not_found (admins), 503 unavailable while the
 * projection replays). 405 for a wrong method.
 */
export function createWebHandler(deps: WebHandlerDeps): WebHandler {
  const scriptUrl = `${CLIENT_SCRIPT_PATH}?v=${deps.client.hash}`;
  const page = renderStatusPage({ retryEnabled: deps.retry !== undefined, scriptUrl, extraCss: deps.extraCss });
  const keepAliveMs = deps.keepAliveMs ?? 15_000;
  const request = async (req: WebRequest, url: URL) => ({
    principal: await authenticate(deps.auth, header(req, "authorization")),
    target: targetFromQuery(url.searchParams),
  });

  const pageRoute = { method: "GET", handle: async (_req: WebRequest, res: WebResponse) => sendPage(res, page) };
  const routes: Record<string, { method: string; handle: (req: WebRequest, res: WebResponse, url: URL) => Promise<void> }> = {
    ...deps.appRoutes,
    ...Object.fromEntries(APP_PAGE_PATHS.map((p) => [p, pageRoute])),
    "/": { method: "GET", handle: async (_req, res) => sendPage(res, page) },
    "/index.html": { method: "GET", handle: async (_req, res) => sendPage(res, page) },
    [CLIENT_SCRIPT_PATH]: {
      method: "GET",
      handle: async (_req, res) => {
        res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" });
        res.end(deps.client.code);
      },
    },
    "/api/status": {
      method: "GET",
      handle: async (req, res, url) => {
        const { principal, target } = await request(req, url);
        sendJson(res, 200, toJson(StatusViewSchema, deps.queries.getStatus(principal, target), JSON_OPTIONS));
      },
    },
    "/api/log": {
      method: "GET",
      handle: async (req, res, url) => {
        const { principal, target } = await request(req, url);
        const log = deps.queries.getActivityLog(principal, target);
        if (log.runId === "") throw new NotFoundError(`no run found for ${describeTarget(target)}`);
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
        if (deps.liveUpdates === false) throw new UnimplementedError("live updates (poll /api/status)");
        const { principal, target } = await request(req, url);
        streamEvents(req, res, deps, principal, target, resumeAfter(req, url), keepAliveMs);
      },
    },
    "/api/retry": {
      method: "POST",
      handle: async (req, res, url) => {
        const { principal, target } = await request(req, url);
        if (!deps.retry) throw new UnimplementedError("retry");
        sendJson(res, 200, await deps.retry(principal, target));
      },
    },
  };

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const route = routes[url.pathname] ?? (url.pathname.startsWith(PORTFOLIO_PAGE_PREFIX) ? pageRoute : undefined);
    if (!route) return false;
    if (req.method !== route.method && !(route.method === "GET" && req.method === "HEAD")) {
      res.setHeader("Allow", route.method);
      sendJson(res, 405, { code: "method_not_allowed", message: `method ${req.method} not allowed` });
      return true;
    }
    route.handle(req, res, url).catch((error: unknown) => sendError(deps, req, res, error));
    return true;
  };
}

/** Answers an error like the RPCs would (see http-errors.ts); server faults go to onError. */
function sendError(deps: WebHandlerDeps, req: WebRequest, res: WebResponse, error: unknown): void {
  if (error instanceof PayloadTooLargeError) {
    if (!res.headersSent) {
      res.writeHead(413, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      res.end(JSON.stringify({ code: "resource_exhausted", message: error.message }));
    }
    return;
  }
  const answer = httpErrorAnswer(error);
  if (isServerFault(answer.error)) deps.onError(answer.error.cause ?? error, req);
  if (res.headersSent) {
    // Mid-stream failure: the status line is gone; ending the response is all that is left.
    res.end();
    return;
  }
  sendJson(res, answer.status, answer.body);
}

function header(req: WebRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Last-Event-ID (set by a reconnecting client) wins over ?after=; both default to 0. */
function resumeAfter(req: WebRequest, url: URL): number {
  const raw = header(req, "last-event-id") ?? url.searchParams.get("after") ?? "0";
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw))) {
    throw new InvalidArgumentError(`invalid resume sequence "${raw}"`);
  }
  return Number(raw);
}

function streamEvents(
  req: WebRequest,
  res: WebResponse,
  deps: WebHandlerDeps,
  principal: Principal,
  target: TargetRef,
  after: number,
  keepAliveMs: number,
): void {
  let closed = false;
  let keepAlive: NodeJS.Timeout | undefined;
  let cancel: (() => void) | undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    cancel?.();
  };
  // 'close' fires when the client goes away; the watch must end with it.
  res.on("close", close);
  cancel = deps.queries.watch(principal, target, after, {
    start() {
      if (closed) return;
      res.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        // No "Connection: keep-alive": HTTP/1.1 keeps alive by default and HTTP/2 forbids the header.
        "Cache-Control": "no-store",
        // Reverse proxies (nginx) would otherwise buffer the stream.
        "X-Accel-Buffering": "no",
      });
      res.write("retry: 3000\n\n");
      keepAlive = setInterval(() => res.write(": keep-alive\n\n"), keepAliveMs);
      keepAlive.unref();
    },
    update(update) {
      if (closed || res.writableEnded) return;
      const data = JSON.stringify(toJson(WatchStatusResponseSchema, update, JSON_OPTIONS));
      res.write(`id: ${update.seq}\nevent: status\ndata: ${data}\n\n`);
    },
    end(error) {
      if (closed) return;
      clearInterval(keepAlive);
      closed = true;
      if (error === undefined) {
        res.end();
      } else if (!res.headersSent) {
        sendError(deps, req, res, error);
      } else {
        const answer = httpErrorAnswer(error);
        if (isServerFault(answer.error)) deps.onError(answer.error.cause ?? error, req);
        res.end(`event: error\ndata: ${JSON.stringify({ code: codeName(answer.error.code), message: answer.body.message })}\n\n`);
      }
    },
  });
  // The watch may have ended synchronously, or the connection closed meanwhile.
  if (closed) cancel();
  if (req.destroyed) close();
}

function logFileName(runId: string): string {
  return `sigma-run-${runId.replace(/[^A-Za-z0-9._-]/g, "_")}.log`;
}

function sendPage(res: WebResponse, html: string): void {
  res.writeHead(200, {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-cache",
    // Styles are inline, the script comes from this server; nothing may be loaded from elsewhere.
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data: blob:",
  });
  res.end(html);
}

function sendJson(res: WebResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}
