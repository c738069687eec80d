import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { type Clock, createClock } from "@sigma/calendar";
import { CoordinatorService, FactorService, MarketDataService, RiskService, SnapshotService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import type { EventPublisher } from "@sigma/events";
import { createServiceClient, defineService, type Logger, serve, serviceTokenSource } from "@sigma/runtime";
import type { CoordinatorConfig } from "./config.js";
import { coordinatorHandlers } from "./handlers/coordinator-handlers.js";
import { Coordinator, type CoordinatorSettings } from "./runner/coordinator.js";
import { terminalEventEncoder } from "./runner/reporter.js";
import { COORDINATOR_MIGRATIONS } from "./store/migrations.js";
import { RunRepository } from "./store/run-repository.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadCoordinatorConfig, type CoordinatorConfig } from "./config.js";

/** What the coordinator shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface CoordinatorShared {
  logger: Logger;
  /** Where run events go (NATS in production, possibly the in-process bus in `sigma dev`). */
  publisher: EventPublisher;
  /** Overrides the clock built from SIGMA_AS_OF (tests). */
  clock?: Clock;
}

/** A started coordinator: its server plus the domain object (tests and `sigma dev` use it). */
export interface StartedCoordinator {
  name: string;
  port: number;
  url: string;
  coordinator: Coordinator;
  /** Cancels active runs (recording their progress), then stops serving and closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Composition root of the coordinator: database → clients → domain → handlers → server. */
export async function startCoordinator(config: CoordinatorConfig, o: CoordinatorShared): Promise<StartedCoordinator> {
  const schema = config.schema;
  const clock = o.clock ?? createClock({ asOf: config.asOf });
  if (clock.pinned) o.logger.warn({ asOf: clock.asOf }, "clock pinned by SIGMA_AS_OF");
  const db = await createDataSource({
    url: config.databaseUrl,
    schema,
    entities: [],
    migrations: COORDINATOR_MIGRATIONS,
    logger: o.logger,
    applicationName: "coordinator",
  });
  const settings: CoordinatorSettings = {
    holderId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseTtlMs: config.leaseTtlMs,
    heartbeatMs: config.heartbeatMs,
    chunkSize: config.chunkSize,
    chunkCells: config.chunkCells,
    syncBatchSize: config.syncBatchSize,
    rpcTimeoutMs: config.rpcTimeoutMs,
    items: { symbols: config.itemSymbols, portfolios: config.itemPortfolios, concurrency: config.itemConcurrency },
  };
  const clientOpts = { token: serviceTokenSource(config.auth, "service:coordinator"), timeoutMs: settings.rpcTimeoutMs, logger: o.logger };
  const now = () => new Date();
  const coordinator = new Coordinator({
    store: new RunRepository(db, schema, terminalEventEncoder(now)),
    services: {
      marketData: createServiceClient(MarketDataService, config.marketDataUrl, clientOpts),
      factor: createServiceClient(FactorService, config.factorUrl, clientOpts),
      snapshot: createServiceClient(SnapshotService, config.snapshotUrl, clientOpts),
      risk: createServiceClient(RiskService, config.riskUrl, clientOpts),
    },
    publisher: o.publisher,
    clock,
    now,
    logger: o.logger,
    settings,
  });
  await coordinator.start();
  const server = await serve({
    name: "coordinator",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
    // Health says NOT_SERVING while the database is unreachable.
    readiness: [{ name: "database", check: databaseReadiness(db) }],
    services: [defineService(CoordinatorService, coordinatorHandlers(coordinator))],
  });
  o.logger.info({ port: server.port, holder: settings.holderId }, "coordinator listening");
  return {
    name: "coordinator",
    port: server.port,
    url: server.url,
    coordinator,
    async close(graceMs = 10_000) {
      await coordinator.shutdown(graceMs);
      await server.close();
      await closeDataSource(db);
    },
  };
}
