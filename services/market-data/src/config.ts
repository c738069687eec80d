import { type BaseServiceEnv, type ConfigOf, type ConfigProblem, defineConfig, loadServiceConfig } from "@sigma/runtime";
import { createProvider, DEFAULT_POLYGON_URL, type PriceProvider, ProviderConfigError } from "./domain/index.js";

/**
 * Every variable the market-data service reads besides the shared ones (PORT, HOST, LOG_LEVEL,
 * SIGMA_AUTH, SIGMA_JWT_SECRET), the provider's included: nothing reads the environment later.
 */
export const marketDataConfigSpec = defineConfig({
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
  schema: { env: "DB_SCHEMA", kind: "string", default: "market_data", description: "Postgres schema this service owns" },
  prices: { env: "SIGMA_PRICES", kind: "string", default: "synthetic", description: "synthetic | csv:PATH | http" },
  fetchConcurrency: { env: "SIGMA_FETCH_CONCURRENCY", kind: "int", default: 8, min: 1, max: 64 },
  asOf: { env: "SIGMA_AS_OF", kind: "date", description: "pins today: SyncPrices skips rows dated after it" },
  polygonApiKey: {
    env: "SIGMA_POLYGON_API_KEY",
    kind: "string",
    description: "API key of the http provider (required when SIGMA_PRICES=http)",
  },
  polygonUrl: { env: "SIGMA_POLYGON_URL", kind: "url", default: DEFAULT_POLYGON_URL, description: "API root of the http provider" },
  polygonRpm: { env: "SIGMA_POLYGON_RPM", kind: "int", min: 1, description: "requests per minute of the http provider (default 5)" },
});

/** The validated configuration of the market-data service. */
export type MarketDataConfig = BaseServiceEnv & ConfigOf<typeof marketDataConfigSpec>;

/** Builds the configured price provider from validated settings (never from the environment). */
export function providerFromConfig(cfg: ConfigOf<typeof marketDataConfigSpec>): PriceProvider {
  return createProvider(cfg.prices, {
    env: {},
    http: { apiKey: cfg.polygonApiKey, baseUrl: cfg.polygonUrl, requestsPerMinute: cfg.polygonRpm },
  });
}

/**
 * The provider rules that span variables: a parsable SIGMA_PRICES and its API key. A CSV file that
 * is missing or unreadable is not a configuration error: the service starts, says NOT_SERVING with
 * the reason, and recovers when the file is fixed (usecases/price-source.ts).
 */
function providerProblems(cfg: ConfigOf<typeof marketDataConfigSpec> | undefined): ConfigProblem[] {
  if (!cfg) return [];
  if (cfg.prices.trim().toLowerCase() === "http" && !cfg.polygonApiKey?.trim()) {
    return [{ env: "SIGMA_POLYGON_API_KEY", problem: "missing (required when SIGMA_PRICES=http)" }];
  }
  try {
    providerFromConfig(cfg);
  } catch (err) {
    if (err instanceof ProviderConfigError) return [{ env: "SIGMA_PRICES", problem: err.message }];
    throw err;
  }
  return [];
}

/**
 * Reads and validates the market-data service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadMarketDataConfig(env: Readonly<Record<string, string | undefined>> = process.env): MarketDataConfig {
  const { base, cfg } = loadServiceConfig("market-data", marketDataConfigSpec, env, providerProblems);
  return { ...base, ...cfg };
}
