import { DEFAULT_STREAM_NAME, DEFAULT_SUBJECT_PREFIX } from "@sigma/events";
import { type BaseServiceEnv, type ConfigOf, defaultServiceUrl, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** Every variable the status service reads besides the shared ones (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET). */
export const statusConfigSpec = defineConfig({
  natsUrl: { env: "NATS_URL", kind: "url", description: "nats://host:4222 (JetStream); required" },
  eventsStream: { env: "SIGMA_EVENTS_STREAM", kind: "string", default: DEFAULT_STREAM_NAME },
  eventsPrefix: { env: "SIGMA_EVENTS_PREFIX", kind: "string", default: DEFAULT_SUBJECT_PREFIX },
  httpPort: {
    env: "STATUS_HTTP_PORT",
    kind: "port",
    default: 8080,
    description: "HTTP/1.1 port of the status web page (0 = any free port)",
  },
  coordinatorUrl: {
    env: "SIGMA_COORDINATOR_URL",
    kind: "peer",
    default: defaultServiceUrl("coordinator"),
    description: "for the web app's onboarding, operator actions and Retry button",
  },
  snapshotUrl: {
    env: "SIGMA_SNAPSHOT_URL",
    kind: "peer",
    default: defaultServiceUrl("snapshot"),
    description: "for the web app's portfolio pages (portfolios, snapshots, position values)",
  },
  riskUrl: {
    env: "SIGMA_RISK_URL",
    kind: "peer",
    default: defaultServiceUrl("risk"),
    description: "for the web app's risk report and stress tables",
  },
  peerTimeoutMs: {
    env: "SIGMA_WEB_PEER_TIMEOUT_MS",
    kind: "int",
    default: 20_000,
    min: 100,
    max: 600_000,
    description: "deadline of every call the web app forwards to another service (ms)",
  },
  asOf: { env: "SIGMA_AS_OF", kind: "date", description: "pins the clock (the web app's watermark lag)" },
});

/** The validated configuration of the status service. */
export type StatusConfig = BaseServiceEnv & ConfigOf<typeof statusConfigSpec>;

/** Options of {@link loadStatusConfig}. */
export interface LoadStatusConfigOptions {
  /** Whether NATS_URL is required (default true); `sigma dev` injects its own event source. */
  requireNats?: boolean;
}

/**
 * Reads and validates the status service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadStatusConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  opts: LoadStatusConfigOptions = {},
): StatusConfig {
  const { base, cfg } = loadServiceConfig("status", statusConfigSpec, env, (c) =>
    (opts.requireNats ?? true) && !(c?.natsUrl ?? env.NATS_URL)
      ? [{ env: "NATS_URL", problem: "missing (required)", description: "nats://host:4222 (JetStream)" }]
      : [],
  );
  return { ...base, ...cfg };
}
