import type { IncomingMessage, ServerResponse } from "node:http";
import { clockFromEnv, createClock } from "@sigma/calendar";
import { CoordinatorService, RiskService, SnapshotService, StatusService } from "@sigma/contracts";
import type { EventSource } from "@sigma/events";
import {
  createServiceClient,
  defineService,
  LIVENESS_SERVICE,
  type Logger,
  ServingStatus,
  serve,
  serviceTokenSource,
} from "@sigma/runtime";
import type { StatusConfig } from "./config.js";
import { StatusProjection } from "./domain/projection.js";
import { ProjectionReadiness } from "./domain/readiness.js";
import { StatusWatchHub } from "./domain/watch.js";
import { runProjectionConsumer } from "./feed/projection-consumer.js";
import { statusHandlers } from "./handlers/status-handlers.js";
import { retryRun } from "./usecases/retry-run.js";
import { StatusQueries } from "./usecases/status-queries.js";
import { appApiRoutes } from "./web/app-api.js";
import { buildClientBundle, chartStylesheet } from "./web/client-bundle.js";
import { createWebHandler } from "./web/http.js";

export { memoryEventFeed, type StatusEventFeed } from "./feed/event-feed.js";
export { natsEventFeed } from "./feed/nats-feed.js";

/** Health name that is SERVING as soon as the server answers (k8s liveness and startup probes). */
export const LIVENESS_HEALTH_NAME = LIVENESS_SERVICE;

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadStatusConfig, type StatusConfig } from "./config.js";

/** What the status service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface StatusShared {
  /**
   * The run events to project: a StatusEventFeed (natsEventFeed, memoryEventFeed) so the service
   * knows where the stream ends, or any EventSource.
   */
  events: EventSource;
  logger: Logger;
  /** How long WatchStatus waits for an unknown run to appear before NOT_FOUND (ms, default 10 000). */
  unknownRunGraceMs?: number;
  /** Backoff of the event consumer after a failure (ms; defaults 250, doubling up to 10 000). */
  consumerRetry?: { initialMs?: number; maxMs?: number };
}

/** A started status service. */
export interface StartedStatus {
  name: string;
  port: number;
  url: string;
  httpPort?: number;
  hub: StatusWatchHub;
  /** Whether the projection has replayed the stream (health SERVING from then on). */
  readiness: ProjectionReadiness;
  close(): Promise<void>;
}

/**
 * Composition root of the status service. The projection lives in memory and is rebuilt at
 * start by replaying the durable JetStream stream from its first event, then follows it live:
 * restarting the service loses nothing. It serves at once, NOT_SERVING (queries UNAVAILABLE)
 * until the replay is done; `events` should be a StatusEventFeed (natsEventFeed,
 * memoryEventFeed) so the service knows where the stream ends.
 */
export async function startStatus(config: StatusConfig, o: StatusShared): Promise<StartedStatus> {
  const hub = new StatusWatchHub(new StatusProjection(), {
    onListenerError: (err) => o.logger.warn({ err }, "status watcher dropped"),
  });
  const readiness = new ProjectionReadiness();
  const queries = new StatusQueries(hub, readiness, { unknownRunGraceMs: o.unknownRunGraceMs });
  const coordinator = createServiceClient(CoordinatorService, config.coordinatorUrl, {
    token: serviceTokenSource(config.auth, "service:status"),
  });
  // The web app forwards each user's own token (app-api.ts): these clients carry none.
  const peers = {
    coordinator: createServiceClient(CoordinatorService, config.coordinatorUrl, { retries: 0 }),
    snapshot: createServiceClient(SnapshotService, config.snapshotUrl),
    risk: createServiceClient(RiskService, config.riskUrl),
  };
  const web = createWebHandler({
    appRoutes: appApiRoutes({
      auth: config.auth,
      peers,
      queries,
      clock: config.asOf ? createClock({ asOf: config.asOf }) : clockFromEnv({}),
      peerTimeoutMs: config.peerTimeoutMs,
    }),
    extraCss: chartStylesheet(),
    auth: config.auth,
    queries,
    client: await buildClientBundle(),
    retry: (principal, target) => retryRun({ projection: hub.projection, readiness, coordinator }, principal, target),
    onError: (err, req) => o.logger.error({ err, url: req.url }, "web request failed"),
  });
  const server = await serve({
    name: "status",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
    services: [defineService(StatusService, statusHandlers(queries))],
    httpPort: config.httpPort,
    // Not ready until the projection has replayed the stream (see feed/projection-consumer.ts).
    initialHealth: ServingStatus.NOT_SERVING,
    // The same page/API handler serves both ports; the HTTP/2 compatibility objects carry the same fields.
    extraHttpHandler: (req, res) => web(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  });
  // "" and the service name say ready (replayed); LIVENESS_HEALTH_NAME says only that the
  // process answers, for liveness/startup probes that must not restart it while NATS is down.
  server.health.setStatus(LIVENESS_HEALTH_NAME, ServingStatus.SERVING);
  readiness.onReady(() => server.health.setAll(ServingStatus.SERVING));
  const abort = new AbortController();
  const consumer = runProjectionConsumer({
    source: o.events,
    hub,
    readiness,
    logger: o.logger,
    signal: abort.signal,
    retryMs: o.consumerRetry?.initialMs,
    maxRetryMs: o.consumerRetry?.maxMs,
  });
  const httpPort = server.httpPort;
  o.logger.info({ port: server.port, httpPort }, "status service listening; NOT_SERVING until the event stream is replayed");
  return {
    name: "status",
    port: server.port,
    url: server.url,
    httpPort,
    hub,
    readiness,
    async close() {
      abort.abort();
      await consumer;
      await server.close();
    },
  };
}
