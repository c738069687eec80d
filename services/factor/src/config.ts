import { type BaseServiceEnv, type ConfigOf, defaultServiceUrl, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** Every variable the factor service reads besides the shared ones (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET). */
export const factorConfigSpec = defineConfig({
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
  schema: { env: "DB_SCHEMA", kind: "string", default: "factor", description: "Postgres schema this service owns" },
  marketDataUrl: {
    env: "SIGMA_MARKET_DATA_URL",
    kind: "peer",
    default: defaultServiceUrl("market-data"),
    description: "market-data service: http://host:port, grpc+lb://ip1:port1,ip2:port2 or dns:///name:port",
  },
  marketDataTimeoutMs: {
    env: "SIGMA_MARKET_DATA_TIMEOUT_MS",
    kind: "int",
    // A 1,193-symbol price read is a few MB per batch: allow it more than the default 30 s on a busy machine.
    default: 120_000,
    min: 1000,
    description: "deadline of one call to market-data",
  },
});

/** The validated configuration of the factor service. */
export type FactorConfig = BaseServiceEnv & ConfigOf<typeof factorConfigSpec>;

/**
 * Reads and validates the factor service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadFactorConfig(env: Readonly<Record<string, string | undefined>> = process.env): FactorConfig {
  const { base, cfg } = loadServiceConfig("factor", factorConfigSpec, env);
  return { ...base, ...cfg };
}
