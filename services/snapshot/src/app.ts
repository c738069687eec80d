import { type Clock, createClock } from "@sigma/calendar";
import { MarketDataService, SnapshotService } from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import { marketDataPriceSource, RunPriceCache } from "@sigma/prices";
import { createServiceClient, defineService, type Logger, serve, serviceTokenSource } from "@sigma/runtime";
import type { SnapshotConfig } from "./config.js";
import { snapshotHandlers } from "./handlers/snapshot-handlers.js";
import { SNAPSHOT_MIGRATIONS } from "./store/migrations.js";
import { PgSnapshotStore } from "./store/snapshot-store.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadSnapshotConfig, type SnapshotConfig } from "./config.js";
// For benchmarks and the risk service's tests: the pure engine and the store.
export { computeSnapshots, type EnginePosition, type PricePanel, type SnapshotRow } from "./domain/snapshot-engine.js";

/** What the snapshot service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface SnapshotShared {
  logger: Logger;
  /** Overrides the clock built from SIGMA_AS_OF (tests). */
  clock?: Clock;
}

/** Composition root of the snapshot service: database → market-data client → handlers → server. */
export async function startSnapshot(config: SnapshotConfig, o: SnapshotShared) {
  const db = await createDataSource({
    url: config.databaseUrl,
    schema: config.schema,
    entities: [],
    migrations: SNAPSHOT_MIGRATIONS,
    logger: o.logger,
    applicationName: "snapshot",
  });
  const marketData = createServiceClient(MarketDataService, config.marketDataUrl, {
    token: serviceTokenSource(config.auth, "service:snapshot"),
    timeoutMs: config.marketDataTimeoutMs,
  });
  const clock = o.clock ?? createClock({ asOf: config.asOf });
  const store = new PgSnapshotStore(db, config.schema);
  const prices = marketDataPriceSource(marketData);
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve({
      name: "snapshot",
      port: config.port,
      host: config.host,
      logger: o.logger,
      auth: config.auth,
      services: [
        defineService(
          SnapshotService,
          snapshotHandlers({ store, prices, priceCache: new RunPriceCache(prices), today: () => clock.today() }),
        ),
      ],
    });
  } catch (err) {
    await closeDataSource(db);
    throw err;
  }
  o.logger.info({ port: server.port }, "snapshot service listening");
  return {
    name: "snapshot",
    port: server.port,
    url: server.url,
    async close() {
      await server.close();
      await closeDataSource(db);
    },
  };
}
