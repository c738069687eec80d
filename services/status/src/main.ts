import { connectNats, drainAndClose, ensureStream, eventStreamConfig, subscribeEvents } from "@sigma/events";
import { createLogger, defineConfig, loadServiceConfig, onShutdown, serviceTokenSource } from "@sigma/runtime";
import { startStatus } from "./app.js";

// Composition root: the only module with side effects.
const { base, cfg } = loadServiceConfig(
  "status",
  defineConfig({
    natsUrl: { env: "NATS_URL", kind: "url", required: true, description: "nats://host:4222 (JetStream)" },
    eventsStream: { env: "SIGMA_EVENTS_STREAM", kind: "string", default: "SIGMA_EVENTS" },
    eventsPrefix: { env: "SIGMA_EVENTS_PREFIX", kind: "string", default: "sigma.events.v1" },
    httpPort: { env: "STATUS_HTTP_PORT", kind: "port", default: 8080, description: "HTTP/1.1 port of the status web page" },
    coordinatorUrl: {
      env: "SIGMA_COORDINATOR_URL",
      kind: "url",
      default: "http://127.0.0.1:50051",
      description: "for the page's Retry button",
    },
  }),
);
const logger = createLogger("status", { level: base.logLevel });
const nc = await connectNats(cfg.natsUrl, { name: "status", logger });
const stream = { name: cfg.eventsStream, subjectPrefix: cfg.eventsPrefix };
// The status service may start before the first run publishes: create the stream so replay works.
await ensureStream(await nc.jetstreamManager(), eventStreamConfig(stream));
const service = await startStatus({
  port: base.port,
  host: base.host,
  httpPort: cfg.httpPort,
  events: {
    // A message that is not a RunEvent is logged and skipped: one bad message must not freeze the projection.
    subscribe: (o) => subscribeEvents({ ...o, nc, stream, onDecodeError: (err) => logger.error({ err }, "skipped an undecodable event") }),
  },
  logger,
  auth: base.auth,
  coordinatorUrl: cfg.coordinatorUrl,
  serviceToken: serviceTokenSource(base.auth, "service:status"),
});
onShutdown(logger, [
  { name: "status", run: () => service.close() },
  { name: "nats", run: () => drainAndClose(nc) },
]);
