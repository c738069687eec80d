import { type Clock, createClock } from "@sigma/calendar";
import { MarketDataService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import { defineService, type Logger, serve } from "@sigma/runtime";
import { type MarketDataConfig, providerFromConfig } from "./config.js";
import { marketDataHandlers } from "./handlers/market-data-handlers.js";
import { MARKET_DATA_MIGRATIONS } from "./store/migrations.js";
import { PriceStore } from "./store/price-store.js";
import { PriceSourceGate } from "./usecases/price-source.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadMarketDataConfig, type MarketDataConfig } from "./config.js";

/** What the market-data service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface MarketDataShared {
  logger: Logger;
  /** "Today" for SyncPrices' future-date check; default: the clock SIGMA_AS_OF describes. */
  clock?: Clock;
}

/** A started service: where it listens and how to stop it. */
export interface StartedService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Composition root of the market-data service: database → provider → handlers → server. */
export async function startMarketData(config: MarketDataConfig, o: MarketDataShared): Promise<StartedService> {
  const schema = config.schema;
  const provider = providerFromConfig(config);
  const db = await createDataSource({
    url: config.databaseUrl,
    schema,
    entities: [],
    migrations: MARKET_DATA_MIGRATIONS,
    logger: o.logger,
    applicationName: "market-data",
  });
  const store = new PriceStore(db, schema);
  const priceSource = new PriceSourceGate(provider);
  const clock = o.clock ?? createClock({ asOf: config.asOf });
  const server = await serve({
    name: "market-data",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
    // Health says NOT_SERVING while the database is unreachable.
    readiness: [{ name: "database", check: databaseReadiness(db) }],
    services: [
      defineService(
        MarketDataService,
        marketDataHandlers({ store, provider, fetchConcurrency: config.fetchConcurrency, clock, priceSource }),
      ),
    ],
  });
  await priceSource.attachHealth(server.health, o.logger);
  o.logger.info({ port: server.port, provider: provider.describe() }, "market-data service listening");
  return {
    name: "market-data",
    port: server.port,
    url: server.url,
    async close() {
      await server.close();
      await closeDataSource(db);
    },
  };
}
