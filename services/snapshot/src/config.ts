import { type BaseServiceEnv, type ConfigOf, defaultServiceUrl, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** Every variable the snapshot service reads besides the shared ones (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET). */
export const snapshotConfigSpec = defineConfig({
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
  schema: { env: "DB_SCHEMA", kind: "string", default: "snapshot", description: "Postgres schema this service owns" },
  marketDataUrl: {
    env: "SIGMA_MARKET_DATA_URL",
    kind: "peer",
    default: defaultServiceUrl("market-data"),
    description: "market-data service: http://host:port, grpc+lb://ip1:port1,ip2:port2 or dns:///name:port",
  },
  marketDataTimeoutMs: {
    env: "SIGMA_MARKET_DATA_TIMEOUT_MS",
    kind: "int",
    default: 120_000,
    min: 1000,
    description: "deadline of one call to market-data",
  },
  asOf: { env: "SIGMA_AS_OF", kind: "date", description: "pins today: imported entry and exit dates after it are rejected" },
});

/** The validated configuration of the snapshot service. */
export type SnapshotConfig = BaseServiceEnv & ConfigOf<typeof snapshotConfigSpec>;

/**
 * Reads and validates the snapshot service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadSnapshotConfig(env: Readonly<Record<string, string | undefined>> = process.env): SnapshotConfig {
  const { base, cfg } = loadServiceConfig("snapshot", snapshotConfigSpec, env);
  return { ...base, ...cfg };
}
