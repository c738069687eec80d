import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { CoordinatorService, RunSource, StatusService } from "@sigma/contracts";
import type { EventSource } from "@sigma/events";
import { createServiceClient, defineService, isAdmin, type Logger, serve, serviceTokenSource, verifyToken } from "@sigma/runtime";
import type { StatusConfig } from "./config.js";
import { StatusProjection } from "./domain/projection.js";
import { describeTarget } from "./domain/target.js";
import { StatusWatchHub } from "./domain/watch.js";
import { statusHandlers } from "./handlers/status-handlers.js";
import { createWebHandler } from "./web/http.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadStatusConfig, type StatusConfig } from "./config.js";

/** What the status service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface StatusShared {
  /** The run events to project (JetStream in production, possibly the in-process bus in `sigma dev`). */
  events: EventSource;
  logger: Logger;
}

/** A started status service. */
export interface StartedStatus {
  name: string;
  port: number;
  url: string;
  httpPort?: number;
  hub: StatusWatchHub;
  close(): Promise<void>;
}

/**
 * Composition root of the status service. The projection lives in memory and is rebuilt at
 * start by replaying the durable JetStream stream from its first event, then follows it live:
 * restarting the service loses nothing.
 */
export async function startStatus(config: StatusConfig, o: StatusShared): Promise<StartedStatus> {
  const hub = new StatusWatchHub(new StatusProjection(), {
    onListenerError: (err) => o.logger.warn({ err }, "status watcher dropped"),
  });
  const abort = new AbortController();
  const consumer = (async () => {
    while (!abort.signal.aborted) {
      try {
        for await (const { seq, event } of o.events.subscribe({ afterSeq: hub.projection.lastSeq, signal: abort.signal })) {
          hub.apply(seq, event);
        }
        // The subscription ended without being aborted (consumer or connection closed): resume.
        if (!abort.signal.aborted) o.logger.warn({ lastSeq: hub.projection.lastSeq }, "event subscription ended; resubscribing");
      } catch (err) {
        if (abort.signal.aborted) return;
        o.logger.error({ err, lastSeq: hub.projection.lastSeq }, "event consumer failed; resubscribing in 1 s");
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  const coordinator = createServiceClient(CoordinatorService, config.coordinatorUrl, {
    token: serviceTokenSource(config.auth, "service:status"),
  });
  const web = createWebHandler({
    // Retry = the same request again: the run's requested range and force flag, as an admin run.
    retry: async (target) => {
      const runId = hub.projection.resolveRunId(target);
      if (!runId) throw new ConnectError(`no run found for ${describeTarget(target)}`, Code.NotFound);
      const { run } = await coordinator.getRun({ runId });
      if (!run) throw new ConnectError(`run ${runId} not found`, Code.NotFound);
      const res = await coordinator.runBatch({
        portfolioId: run.portfolioId,
        source: RunSource.ADMIN,
        forceRerun: run.forceRerun,
        startDate: run.requestedStartDate,
        endDate: run.requestedEndDate,
        asOf: run.asOf,
      });
      return { runId: res.runId };
    },
    getStatus: (t) => hub.projection.getStatus(t, new Date()),
    getActivityLog: (t) => hub.projection.getActivityLog(t),
    subscribe: (t, after, onUpdate) => hub.subscribe(t, after, onUpdate),
    // Same rule as the RPCs: admin only for now (see handlers/status-handlers.ts); the page sends
    // the bearer token it was given in its URL fragment (#token=JWT).
    authorize: async (req) => {
      if (config.auth.mode === "dev") return true;
      const header = req.headers.authorization;
      const token = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : "";
      if (!token) return false;
      try {
        return isAdmin(await verifyToken(config.auth.secret, token));
      } catch (err) {
        // An invalid or expired token is refused like any other non-admin; anything else is a fault.
        if (err instanceof ConnectError && err.code === Code.Unauthenticated) return false;
        throw err;
      }
    },
    onError: (err, req) => o.logger.warn({ err, url: req.url }, "web request failed"),
  });
  const server = await serve({
    name: "status",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
    services: [defineService(StatusService, statusHandlers(hub))],
    httpPort: config.httpPort,
    // The same page/API handler serves both ports; the HTTP/2 compatibility objects carry the same fields.
    extraHttpHandler: (req, res) => web(req as unknown as IncomingMessage, res as unknown as ServerResponse),
  });
  const httpPort = server.httpPort;
  o.logger.info({ port: server.port, httpPort }, "status service listening");
  return {
    name: "status",
    port: server.port,
    url: server.url,
    httpPort,
    hub,
    async close() {
      abort.abort();
      await consumer;
      await server.close();
    },
  };
}
