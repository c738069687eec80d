import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "@sigma/calendar";
import { CoordinatorService, FactorService, MarketDataService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import type { EventPublisher } from "@sigma/events";
import { type AuthConfig, createServiceClient, defineService, type Logger, serve } from "@sigma/runtime";
import { Coordinator, type CoordinatorSettings } from "./domain/coordinator.js";
import { coordinatorHandlers } from "./handlers/coordinator-handlers.js";
import { COORDINATOR_MIGRATIONS } from "./store/migrations.js";
import { RunRepository } from "./store/run-repository.js";

/** Everything the coordinator needs to start. */
export interface CoordinatorAppOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  schema?: string;
  marketDataUrl: string;
  factorUrl: string;
  /** Token the coordinator presents to other services (JWT mode); unused in dev mode. */
  serviceToken?: () => Promise<string>;
  publisher: EventPublisher;
  clock: Clock;
  logger: Logger;
  auth: AuthConfig;
  settings?: Partial<CoordinatorSettings>;
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

/** Default tunables (SPEC §4: 60 s lease TTL, 21-day chunks). */
export const DEFAULT_SETTINGS: Omit<CoordinatorSettings, "holderId"> = {
  leaseTtlMs: 60_000,
  heartbeatMs: 10_000,
  chunkSize: 21,
  syncBatchSize: 25,
  rpcTimeoutMs: 15 * 60_000,
};

/** Composition root of the coordinator: database → clients → domain → handlers → server. */
export async function startCoordinator(o: CoordinatorAppOptions): Promise<StartedCoordinator> {
  const schema = o.schema ?? "coordinator";
  const db = await createDataSource({
    url: o.databaseUrl,
    schema,
    entities: [],
    migrations: COORDINATOR_MIGRATIONS,
    logger: o.logger,
    applicationName: "coordinator",
  });
  const settings: CoordinatorSettings = {
    holderId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    ...DEFAULT_SETTINGS,
    ...o.settings,
  };
  const clientOpts = { token: o.serviceToken, timeoutMs: settings.rpcTimeoutMs, logger: o.logger };
  const coordinator = new Coordinator({
    repo: new RunRepository(db, schema),
    marketData: createServiceClient(MarketDataService, o.marketDataUrl, clientOpts),
    factor: createServiceClient(FactorService, o.factorUrl, clientOpts),
    publisher: o.publisher,
    clock: o.clock,
    logger: o.logger,
    settings,
  });
  await coordinator.start();
  const server = await serve({
    name: "coordinator",
    port: o.port,
    host: o.host,
    logger: o.logger,
    auth: o.auth,
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
