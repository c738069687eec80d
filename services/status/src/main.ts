import { createLogger, defineConfig, loadServiceConfig, onShutdown, serviceTokenSource } from "@sigma/runtime";
import { natsEventFeed, startStatus } from "./app.js";

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
// Connects in the background: the service starts (NOT_SERVING) even while NATS is down.
const events = natsEventFeed({ url: cfg.natsUrl, stream: { name: cfg.eventsStream, subjectPrefix: cfg.eventsPrefix }, logger });
const service = await startStatus({
  port: base.port,
  host: base.host,
  httpPort: cfg.httpPort,
  events,
  logger,
  auth: base.auth,
  coordinatorUrl: cfg.coordinatorUrl,
  serviceToken: serviceTokenSource(base.auth, "service:status"),
});
onShutdown(logger, [
  { name: "status", run: () => service.close() },
  { name: "nats", run: () => events.close() },
]);
