import { DEFAULT_STREAM_NAME, DEFAULT_SUBJECT_PREFIX } from "@sigma/events";
import { DEFAULT_CHUNK_CELLS } from "./domain/planner.js";
import { type BaseServiceEnv, type ConfigOf, defaultServiceUrl, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** Every variable the coordinator reads besides the shared ones (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET). */
export const coordinatorConfigSpec = defineConfig({
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
  schema: { env: "DB_SCHEMA", kind: "string", default: "coordinator", description: "Postgres schema this service owns" },
  natsUrl: { env: "NATS_URL", kind: "url", description: "nats://host:4222 (JetStream); required" },
  eventsStream: { env: "SIGMA_EVENTS_STREAM", kind: "string", default: DEFAULT_STREAM_NAME },
  eventsPrefix: { env: "SIGMA_EVENTS_PREFIX", kind: "string", default: DEFAULT_SUBJECT_PREFIX },
  marketDataUrl: { env: "SIGMA_MARKET_DATA_URL", kind: "peer", default: defaultServiceUrl("market-data") },
  factorUrl: { env: "SIGMA_FACTOR_URL", kind: "peer", default: defaultServiceUrl("factor") },
  snapshotUrl: { env: "SIGMA_SNAPSHOT_URL", kind: "peer", default: defaultServiceUrl("snapshot") },
  riskUrl: { env: "SIGMA_RISK_URL", kind: "peer", default: defaultServiceUrl("risk") },
  asOf: { env: "SIGMA_AS_OF", kind: "date", description: "pins the clock to 23:59 New York on this date" },
  // SPEC §4: 60 s lease TTL, chunks of e.g. 21 trading days (here sized by the run's work unless set).
  leaseTtlMs: { env: "SIGMA_LEASE_TTL_MS", kind: "int", default: 60_000, min: 1000 },
  heartbeatMs: { env: "SIGMA_HEARTBEAT_MS", kind: "int", default: 10_000, min: 100 },
  chunkSize: {
    env: "SIGMA_CHUNK_DAYS",
    kind: "int",
    min: 1,
    description: "trading days per chunk; unset = sized by the run's work (SIGMA_CHUNK_CELLS, at least 21 days)",
  },
  chunkCells: {
    env: "SIGMA_CHUNK_CELLS",
    kind: "int",
    default: DEFAULT_CHUNK_CELLS,
    min: 1,
    description: "symbol-dates + portfolio-dates per chunk when SIGMA_CHUNK_DAYS is unset",
  },
  syncBatchSize: { env: "SIGMA_SYNC_BATCH", kind: "int", default: 25, min: 1 },
  itemSymbols: {
    env: "SIGMA_ITEM_SYMBOLS",
    kind: "int",
    default: 64,
    min: 1,
    description: "symbols per item: a chunk of the symbol phases is cut into items any factor replica can take",
  },
  itemPortfolios: {
    env: "SIGMA_ITEM_PORTFOLIOS",
    kind: "int",
    default: 50,
    min: 1,
    description: "portfolios per item of the portfolio phases (their cells of the chunk), any replica can take one",
  },
  itemConcurrency: {
    env: "SIGMA_ITEM_CONCURRENCY",
    kind: "int",
    default: 4,
    min: 1,
    description: "items in flight at once per chunk (spread over the replicas by the grpc+lb client)",
  },
  rpcTimeoutMs: {
    env: "SIGMA_RPC_TIMEOUT_MS",
    kind: "int",
    default: 15 * 60_000,
    min: 1000,
    description: "deadline of one call to a phase service",
  },
});

/** The validated configuration of the coordinator. */
export type CoordinatorConfig = BaseServiceEnv & ConfigOf<typeof coordinatorConfigSpec>;

/** Options of {@link loadCoordinatorConfig}. */
export interface LoadCoordinatorConfigOptions {
  /**
   * Whether NATS_URL is required (default true). `sigma dev` injects its own publisher (possibly
   * the in-process bus) and so needs none.
   */
  requireNats?: boolean;
}

/**
 * Reads and validates the coordinator's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadCoordinatorConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: LoadCoordinatorConfigOptions = {},
): CoordinatorConfig {
  const { base, cfg } = loadServiceConfig("coordinator", coordinatorConfigSpec, env, (c) =>
    (opts.requireNats ?? true) && !(c?.natsUrl ?? env.NATS_URL)
      ? [{ env: "NATS_URL", problem: "missing (required)", description: "nats://host:4222 (JetStream)" }]
      : [],
  );
  return { ...base, ...cfg };
}
