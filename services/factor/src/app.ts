import { FactorService, MarketDataService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import { type AuthConfig, createServiceClient, defineService, type Logger, serve } from "@sigma/runtime";
import { factorHandlers } from "./handlers/factor-handlers.js";
import { PgFactorStore } from "./store/factor-store.js";
import { FACTOR_MIGRATIONS } from "./store/migrations.js";
import { marketDataPriceSource } from "./usecases/price-source.js";
import { RunPriceCache, type RunPriceCacheOptions, type RunPriceCacheStats } from "./usecases/run-price-cache.js";

/** Everything the factor service needs to start (validated by main.ts or `sigma dev`). */
export interface FactorAppOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  /** Postgres schema this service owns (default "factor"). */
  schema?: string;
  /** Base URL of the market-data service, e.g. "http://127.0.0.1:50052". */
  marketDataUrl: string;
  /** Bearer token source for calls to market-data (undefined in dev auth mode). */
  serviceToken?: () => Promise<string>;
  logger: Logger;
  auth: AuthConfig;
  /** Run-scoped price cache tuning (defaults: 2 runs, 10 minutes idle). */
  priceCache?: RunPriceCacheOptions;
}

/** A started service: where it listens and how to stop it. */
export interface StartedService {
  name: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** The started factor service, with the counters of its run price cache (for tests and diagnostics). */
export interface StartedFactor extends StartedService {
  priceCacheStats(): RunPriceCacheStats;
}

/** Composition root of the factor service: database → market-data client → price cache → handlers → server. */
export async function startFactor(o: FactorAppOptions): Promise<StartedFactor> {
  const schema = o.schema ?? "factor";
  const db = await createDataSource({
    url: o.databaseUrl,
    schema,
    entities: [],
    migrations: FACTOR_MIGRATIONS,
    logger: o.logger,
    applicationName: "factor",
  });
  // A 1,193-symbol price read is a few MB per batch: allow it more than the default 30 s on a busy machine.
  const marketData = createServiceClient(MarketDataService, o.marketDataUrl, {
    token: o.serviceToken,
    timeoutMs: 120_000,
    logger: o.logger,
  });
  const store = new PgFactorStore(db, schema);
  const prices = marketDataPriceSource(marketData);
  const priceCache = new RunPriceCache(prices, o.priceCache);
  let server;
  try {
    server = await serve({
      name: "factor",
      port: o.port,
      host: o.host,
      logger: o.logger,
      auth: o.auth,
      // Health says NOT_SERVING while the database is unreachable.
      readiness: [{ name: "database", check: databaseReadiness(db) }],
      services: [defineService(FactorService, factorHandlers({ prices, store, priceCache }))],
    });
  } catch (err) {
    await closeDataSource(db);
    throw err;
  }
  const running = server;
  return {
    name: "factor",
    port: running.port,
    url: running.url,
    priceCacheStats: () => priceCache.stats(),
    async close() {
      await running.close();
      await closeDataSource(db);
    },
  };
}
