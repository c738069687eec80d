import { clockFromEnv } from "@sigma/calendar";
import { createNatsPublisher } from "@sigma/events";
import { createLogger, defineConfig, loadServiceConfig, onShutdown, serviceTokenSource } from "@sigma/runtime";
import { startCoordinator } from "./app.js";

// Composition root: the only module with side effects.
const { base, cfg } = loadServiceConfig(
  "coordinator",
  defineConfig({
    databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
    schema: { env: "DB_SCHEMA", kind: "string", default: "coordinator" },
    natsUrl: { env: "NATS_URL", kind: "url", required: true, description: "nats://host:4222 (JetStream)" },
    eventsStream: { env: "SIGMA_EVENTS_STREAM", kind: "string", default: "SIGMA_EVENTS" },
    eventsPrefix: { env: "SIGMA_EVENTS_PREFIX", kind: "string", default: "sigma.events.v1" },
    marketDataUrl: { env: "SIGMA_MARKET_DATA_URL", kind: "url", default: "http://127.0.0.1:50052" },
    factorUrl: { env: "SIGMA_FACTOR_URL", kind: "url", default: "http://127.0.0.1:50053" },
    leaseTtlMs: { env: "SIGMA_LEASE_TTL_MS", kind: "int", default: 60_000, min: 1000 },
    heartbeatMs: { env: "SIGMA_HEARTBEAT_MS", kind: "int", default: 10_000, min: 100 },
    chunkSize: { env: "SIGMA_CHUNK_DAYS", kind: "int", default: 21, min: 1 },
    syncBatchSize: { env: "SIGMA_SYNC_BATCH", kind: "int", default: 25, min: 1 },
  }),
);
const logger = createLogger("coordinator", { level: base.logLevel });
const clock = clockFromEnv();
if (clock.pinned) logger.warn({ asOf: clock.asOf }, "clock pinned by SIGMA_AS_OF");
const publisher = createNatsPublisher({
  url: cfg.natsUrl,
  stream: { name: cfg.eventsStream, subjectPrefix: cfg.eventsPrefix },
  logger,
  name: "coordinator",
});
const service = await startCoordinator({
  port: base.port,
  host: base.host,
  databaseUrl: cfg.databaseUrl,
  schema: cfg.schema,
  marketDataUrl: cfg.marketDataUrl,
  factorUrl: cfg.factorUrl,
  serviceToken: serviceTokenSource(base.auth, "service:coordinator"),
  publisher,
  clock,
  logger,
  auth: base.auth,
  settings: { leaseTtlMs: cfg.leaseTtlMs, heartbeatMs: cfg.heartbeatMs, chunkSize: cfg.chunkSize, syncBatchSize: cfg.syncBatchSize },
});
onShutdown(
  logger,
  [
    { name: "coordinator (cancel runs, stop serving, close db)", run: () => service.close(8_000) },
    { name: "nats", run: () => publisher.close() },
  ],
  { graceMs: 12_000 },
);
