/**
 * serve(): one h2c port speaking gRPC, Connect and gRPC-Web for the given services, plus
 * grpc.health.v1 and grpc.reflection (v1 + v1alpha), behind the error and auth interceptors.
 * An optional second HTTP/1.1 port serves the same handler to browsers and curl.
 *
 * Building the routes (`createRoutes`) is separate from listening, so handler tests can run
 * the same routes in memory with `createRouterTransport`.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo, Socket } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter, type ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { Health } from "@sigma/contracts/health";
import type { Logger } from "pino";
import { authInterceptor, type AuthConfig } from "./auth.js";
import { errorInterceptor } from "./error-interceptor.js";
import { truncateEcho } from "./errors.js";
import { loadRuntimeLimits } from "./limits.js";
import { hardenRequestErrors } from "./request-errors.js";
import { createHealth, ServingStatus, type HealthState } from "./health.js";
import { createReflectionIndex, REFLECTION_SERVICES, reflectionV1alphaImpl, reflectionV1Impl } from "./reflection.js";
import * as reflectionV1 from "@sigma/contracts/reflection-v1";
import * as reflectionV1alpha from "@sigma/contracts/reflection-v1alpha";

/** One service to serve: its generated descriptor and its (possibly partial) implementation. */
export interface ServiceRegistration<S extends DescService = DescService> {
  service: S;
  impl: Partial<ServiceImpl<S>>;
}

/**
 * Type-checks an implementation against its service descriptor and erases the type so
 * registrations of different services fit in one array.
 */
export function defineService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): ServiceRegistration {
  return { service, impl } as unknown as ServiceRegistration;
}

/**
 * Hook for non-RPC HTTP paths (e.g. the status web page). Return true when the request was
 * handled (a response is written or in progress); false lets serve() answer 404.
 */
export type ExtraHttpHandler = (...args: Parameters<NonNullable<ConnectNodeAdapterOptions["fallback"]>>) => boolean;

/** Options of `createRoutes`. */
export interface RoutesOptions {
  /** The application services. */
  services: readonly ServiceRegistration[];
  /** Health state to serve; one is created (all SERVING) when omitted. */
  health?: HealthState;
}

/**
 * Builds the routes function for `connectNodeAdapter` or `createRouterTransport`: the given
 * services plus Health and ServerReflection v1/v1alpha (which lists all of them).
 *
 * @example In-memory handler test:
 *   const transport = createRouterTransport(createRoutes({ services }),
 *     { router: { interceptors: createServerInterceptors(logger, { mode: "dev" }) } });
 * @throws Error when the same service is registered twice.
 */
export function createRoutes(opts: RoutesOptions): (router: ConnectRouter) => void {
  const seen = new Set<string>();
  for (const s of opts.services) {
    if (seen.has(s.service.typeName)) throw new Error(`service ${s.service.typeName} registered twice`);
    seen.add(s.service.typeName);
  }
  const health = opts.health ?? createHealth(opts.services.map((s) => s.service.typeName));
  const index = createReflectionIndex([...opts.services.map((s) => s.service), Health, ...REFLECTION_SERVICES]);
  return (router) => {
    for (const s of opts.services) router.service(s.service, s.impl);
    router.service(Health, health.impl);
    router.service(reflectionV1.ServerReflection, reflectionV1Impl(index));
    router.service(reflectionV1alpha.ServerReflection, reflectionV1alphaImpl(index));
  };
}

/**
 * The standard server interceptor chain: error mapping + RPC log line outermost (so it sees
 * auth failures too), then authentication, then `extra`.
 */
export function createServerInterceptors(logger: Logger, auth: AuthConfig, extra: readonly Interceptor[] = []): Interceptor[] {
  return [errorInterceptor(logger), authInterceptor(auth), ...extra];
}

/** Options of `serve`. */
export interface ServeOptions {
  /** Service name for log lines (the process logger should already carry it as `service`). */
  name: string;
  /** h2c port (gRPC / Connect / gRPC-Web); 0 picks a free port (see the returned `port`). */
  port: number;
  /** Interface to bind; "127.0.0.1" by default, "0.0.0.0" in containers. */
  host?: string;
  /** The application services. */
  services: readonly ServiceRegistration[];
  /** Process root logger. */
  logger: Logger;
  /** Authentication; `{ mode: "dev" }` disables it (with a loud warning). */
  auth: AuthConfig;
  /** Optional HTTP/1.1 port with the same handler (browsers, curl); 0 picks a free port. */
  httpPort?: number;
  /** Optional hook for non-RPC paths on both ports. */
  extraHttpHandler?: ExtraHttpHandler;
  /** Extra interceptors, run after auth. */
  interceptors?: readonly Interceptor[];
  /**
   * Health of every service until the application sets it (default SERVING). A service that is
   * not ready at once (e.g. replaying a stream) starts NOT_SERVING so no probe sees it ready early.
   */
  initialHealth?: ServingStatus;
  /**
   * Largest accepted request message (bytes; default SIGMA_MAX_REQUEST_BYTES or 16 MiB). A larger
   * one is refused with RESOURCE_EXHAUSTED as soon as its declared size is seen (gRPC envelope
   * header, Content-Length), before the body is read and before authentication.
   */
  maxRequestBytes?: number;
  /**
   * Dependencies the server needs to answer (e.g. its database). They are checked every
   * `readinessIntervalMs` (default 2000); while one fails, health says NOT_SERVING (and the
   * failure is logged once), and SERVING again once all pass.
   */
  readiness?: readonly ReadinessCheck[];
  /** Interval of the readiness checks (ms, default 2000). */
  readinessIntervalMs?: number;
  /**
   * How long close() lets in-flight calls finish after aborting handler signals before it
   * destroys the remaining connections (ms, default 5000).
   */
  drainTimeoutMs?: number;
}

/**
 * Health name that stays SERVING while the process runs, whatever its dependencies do: the one
 * for liveness probes (`grpc: { port, service: "liveness" }`), so a database outage takes pods
 * out of rotation ("" and the service names say NOT_SERVING) without getting them restarted.
 */
export const LIVENESS_SERVICE = "liveness";

/** One dependency check of {@link ServeOptions.readiness}. */
export interface ReadinessCheck {
  /** What is checked, for the log line, e.g. "database". */
  name: string;
  /** Resolves when the dependency is usable; rejects (with the reason) when it is not. */
  check: () => Promise<void>;
}

/** A running server. */
export interface RunningServer {
  /** The bound h2c port. */
  port: number;
  /** The bound HTTP/1.1 port, when `httpPort` was given. */
  httpPort?: number;
  /** Base URL of the h2c port, e.g. "http://127.0.0.1:50051". */
  url: string;
  /** The health state (set NOT_SERVING while draining, etc.). */
  health: HealthState;
  /**
   * Stops the server: marks health NOT_SERVING, stops accepting, aborts handler signals
   * (clients see UNAVAILABLE "server shutting down"), lets calls finish for up to
   * `drainTimeoutMs`, then destroys remaining connections. Idempotent; never hangs on open
   * client connections.
   */
  close(): Promise<void>;
}

/** dev-mode auth is logged loudly once per process (sigma dev runs every service in one process). */
let devWarningLogged = false;

/**
 * Starts serving.
 *
 * @returns Once every port listens: the bound ports, health state and close().
 * @throws Error when a port cannot be bound (e.g. EADDRINUSE) or the auth config is invalid.
 */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const { logger } = opts;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 5000;
  if (opts.auth.mode === "dev" && !devWarningLogged) {
    devWarningLogged = true;
    logger.warn(
      { auth: "dev" },
      "!!! AUTHENTICATION DISABLED (auth mode dev): every caller is admin. Never use this outside local development. !!!",
    );
  }

  const health = createHealth([...opts.services.map((s) => s.service.typeName), LIVENESS_SERVICE], opts.initialHealth);
  // Liveness says only that the process answers (probes that must not restart it while a dependency is away).
  health.setStatus(LIVENESS_SERVICE, ServingStatus.SERVING);
  const shutdown = new AbortController();
  const readMaxBytes = opts.maxRequestBytes ?? loadRuntimeLimits().maxRequestBytes;
  const handler = connectNodeAdapter({
    routes: (router) => {
      createRoutes({ services: opts.services, health })(router);
      hardenRequestErrors(router, logger);
    },
    readMaxBytes,
    interceptors: createServerInterceptors(logger, opts.auth, opts.interceptors),
    shutdownSignal: shutdown.signal,
    fallback: (req, res) => {
      try {
        if (opts.extraHttpHandler?.(req, res)) return;
      } catch (e) {
        logger.error({ err: e, path: req.url }, "extra HTTP handler failed");
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end("internal error");
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    },
  });

  const h2 = http2.createServer(handler);
  // server.close() waits for open sessions, and clients keep idle sessions open, so track them.
  // Node's session.close() (graceful) only half-closes the socket and then waits for the peer,
  // which connect-node clients do not do: instead send GOAWAY, destroy each session once its
  // last stream ends, and after the drain timeout destroy the raw sockets.
  let closingFlag = false;
  const openStreams = new Map<http2.ServerHttp2Session, number>();
  const sockets = new Set<Socket>();
  h2.on("connection", (sock: Socket) => {
    sockets.add(sock);
    sock.once("close", () => sockets.delete(sock));
  });
  h2.on("session", (session) => {
    openStreams.set(session, 0);
    session.once("close", () => openStreams.delete(session));
    session.on("stream", (stream) => {
      openStreams.set(session, (openStreams.get(session) ?? 0) + 1);
      stream.once("close", () => {
        const left = (openStreams.get(session) ?? 1) - 1;
        openStreams.set(session, left);
        if (closingFlag && left === 0 && !session.destroyed) session.destroy();
      });
    });
  });
  const port = await listen(h2, opts.port, host);

  let h1: http.Server | undefined;
  let httpPort: number | undefined;
  if (opts.httpPort !== undefined) {
    h1 = http.createServer(handler);
    try {
      httpPort = await listen(h1, opts.httpPort, host);
    } catch (e) {
      // Do not leak the already-bound h2c port when the second port fails.
      await closeServer(h2);
      throw e;
    }
  }
  const urlHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  logger.info({ port, httpPort, host, readMaxBytes, services: opts.services.map((s) => s.service.typeName) }, `${opts.name} listening`);
  const stopReadiness = watchReadiness(opts.readiness ?? [], opts.readinessIntervalMs ?? 2000, health, logger);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      stopReadiness();
      health.setAll(ServingStatus.NOT_SERVING);
      shutdown.abort(new ConnectError("server shutting down", Code.Unavailable));
      const closed = [closeServer(h2), ...(h1 ? [closeServer(h1)] : [])];
      closingFlag = true;
      for (const [session, streams] of openStreams) {
        if (session.destroyed) continue;
        // Idle sessions go now; busy ones get GOAWAY (no new streams) and go after their last stream.
        if (streams === 0) session.destroy();
        else session.goaway(http2.constants.NGHTTP2_NO_ERROR);
      }
      h1?.closeIdleConnections();
      const drained = Promise.all(closed).then(() => true);
      const timedOut = new Promise<false>((resolve) => setTimeout(() => resolve(false), drainTimeoutMs).unref());
      if (!(await Promise.race([drained, timedOut]))) {
        logger.warn({ connections: sockets.size, drainTimeoutMs }, "drain timeout; destroying open connections");
        for (const sock of sockets) sock.destroy();
        h1?.closeAllConnections();
        await Promise.all(closed);
      }
      logger.info(`${opts.name} stopped`);
    })());

  return { port, httpPort, url: `http://${urlHost}:${port}`, health, close };
}

/**
 * Runs the readiness checks every `intervalMs` and mirrors them in `health`: NOT_SERVING while one
 * fails (logged at warn when it starts failing, with the reason), SERVING once all pass again
 * (logged at info). Overlapping rounds are skipped (a hanging check must not pile up).
 *
 * @returns a function that stops the checks.
 */
function watchReadiness(checks: readonly ReadinessCheck[], intervalMs: number, health: HealthState, logger: Logger): () => void {
  if (checks.length === 0) return () => {};
  let stopped = false;
  let running = false;
  const failing = new Set<string>();
  const round = async (): Promise<void> => {
    if (running || stopped) return;
    running = true;
    try {
      for (const c of checks) {
        try {
          await c.check();
          if (failing.delete(c.name)) logger.info({ dependency: c.name }, `${c.name} is reachable again`);
        } catch (err) {
          if (!failing.has(c.name))
            logger.warn(
              { dependency: c.name, reason: truncateEcho(String((err as Error)?.message ?? err)) },
              `${c.name} unreachable: NOT_SERVING until it is back`,
            );
          failing.add(c.name);
        }
      }
      if (!stopped) {
        const status = failing.size ? ServingStatus.NOT_SERVING : ServingStatus.SERVING;
        for (const [name] of health.entries()) if (name !== LIVENESS_SERVICE) health.setStatus(name, status);
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void round(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** Listens on `port`/`host`, resolving with the bound port or rejecting on a listen error. */
function listen(server: http.Server | http2.Http2Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** server.close() as a promise; "not running" is not an error here (close is idempotent). */
function closeServer(server: http.Server | http2.Http2Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => {
      if (e && (e as NodeJS.ErrnoException).code !== "ERR_SERVER_NOT_RUNNING") reject(e);
      else resolve();
    });
  });
}
