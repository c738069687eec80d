import { MarketDataService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import { type AuthConfig, defineService, type Logger, serve } from "@sigma/runtime";
import { createProvider } from "./domain/index.js";
import { marketDataHandlers } from "./handlers/market-data-handlers.js";
import { MARKET_DATA_MIGRATIONS } from "./store/migrations.js";
import { PriceStore } from "./store/price-store.js";

/** Everything the market-data service needs to start (validated by main.ts or `sigma dev`). */
export interface MarketDataAppOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  /** Postgres schema this service owns (default "market_data"). */
  schema?: string;
  /** Provider spec: "synthetic" | "csv:PATH" | "http" (SPEC §6). */
  prices: string;
  /** Environment for provider settings (API key, base URL, rate limit). */
  env?: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  auth: AuthConfig;
  fetchConcurrency?: number;
}

/** A started service: where it listens and how to stop it. */
export interface StartedService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Composition root of the market-data service: database → provider → handlers → server. */
export async function startMarketData(o: MarketDataAppOptions): Promise<StartedService> {
  const schema = o.schema ?? "market_data";
  const provider = createProvider(o.prices, { env: o.env ?? process.env });
  const db = await createDataSource({
    url: o.databaseUrl,
    schema,
    entities: [],
    migrations: MARKET_DATA_MIGRATIONS,
    logger: o.logger,
    applicationName: "market-data",
  });
  const store = new PriceStore(db, schema);
  const server = await serve({
    name: "market-data",
    port: o.port,
    host: o.host,
    logger: o.logger,
    auth: o.auth,
    // Health says NOT_SERVING while the database is unreachable.
    readiness: [{ name: "database", check: databaseReadiness(db) }],
    services: [
      defineService(
        MarketDataService,
        marketDataHandlers({ store, provider, logger: o.logger, fetchConcurrency: o.fetchConcurrency ?? 8 }),
      ),
    ],
  });
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
