import { FactorService, MarketDataService } from "@sigma/contracts";
import { closeDataSource, createDataSource, databaseReadiness } from "@sigma/db";
import { createServiceClient, defineService, type Logger, serve, serviceTokenSource } from "@sigma/runtime";
import type { FactorConfig } from "./config.js";
import { factorHandlers } from "./handlers/factor-handlers.js";
import { PgFactorStore } from "./store/factor-store.js";
import { FACTOR_MIGRATIONS } from "./store/migrations.js";
import { marketDataPriceSource, RunPriceCache, type RunPriceCacheOptions, type RunPriceCacheStats } from "@sigma/prices";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadFactorConfig, type FactorConfig } from "./config.js";
// For the benchmark of phases 1.5 + 1.75 (scripts/bench-factors.ts), which drives the use cases and the store directly.
export { SYMBOL_FACTOR_COLUMNS, SYMBOL_METRIC_COLUMNS } from "./store/columns.js";
export { factorTableToColumns, PgFactorStore } from "./store/factor-store.js";
export { FACTOR_MIGRATIONS } from "./store/migrations.js";
export { computeFactorsForRange, computeMetricsForRange, LOOKBACK_TRADING_DAYS } from "./usecases/compute-range.js";
export type { PriceSource } from "@sigma/prices";
export {
  computeSymbolFactors,
  computeSymbolMetrics,
  FACTOR_ETFS,
  FACTOR_IDS,
  QUALITY_NONE,
  type SymbolFactorTable,
} from "./domain/index.js";

/** What the factor service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface FactorShared {
  logger: Logger;
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
export async function startFactor(config: FactorConfig, o: FactorShared): Promise<StartedFactor> {
  const schema = config.schema;
  const db = await createDataSource({
    url: config.databaseUrl,
    schema,
    entities: [],
    migrations: FACTOR_MIGRATIONS,
    logger: o.logger,
    applicationName: "factor",
  });
  const marketData = createServiceClient(MarketDataService, config.marketDataUrl, {
    token: serviceTokenSource(config.auth, "service:factor"),
    timeoutMs: config.marketDataTimeoutMs,
    logger: o.logger,
  });
  const store = new PgFactorStore(db, schema);
  const prices = marketDataPriceSource(marketData);
  const priceCache = new RunPriceCache(prices, o.priceCache);
  let server;
  try {
    server = await serve({
      name: "factor",
      port: config.port,
      host: config.host,
      logger: o.logger,
      auth: config.auth,
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
