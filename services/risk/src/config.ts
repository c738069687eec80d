import { type BaseServiceEnv, type ConfigOf, type ConfigProblem, defaultServiceUrl, defineConfig, loadServiceConfig } from "@sigma/runtime";
import { DEFAULT_RATE_DURATION } from "@sigma/quant";

/** Every variable the risk service reads besides the shared ones (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET). */
export const riskConfigSpec = defineConfig({
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "postgres://user@host:5432/db" },
  schema: { env: "DB_SCHEMA", kind: "string", default: "risk", description: "Postgres schema this service owns" },
  marketDataUrl: {
    env: "SIGMA_MARKET_DATA_URL",
    kind: "peer",
    default: defaultServiceUrl("market-data"),
    description: "market-data service base URL (factor ETF closes for the stress model's EWMA covariance)",
  },
  factorUrl: {
    env: "SIGMA_FACTOR_URL",
    kind: "peer",
    default: defaultServiceUrl("factor"),
    description: "factor service base URL (symbol betas, GetFactorPanel)",
  },
  snapshotUrl: {
    env: "SIGMA_SNAPSHOT_URL",
    kind: "peer",
    default: defaultServiceUrl("snapshot"),
    description: "snapshot service base URL (position marks, portfolio owners)",
  },
  peerTimeoutMs: {
    env: "SIGMA_RISK_PEER_TIMEOUT_MS",
    kind: "int",
    default: 120_000,
    min: 1000,
    description: "deadline of one call to market-data, factor or snapshot",
  },
  // No float kind in the config library: read as text and validated below (> 0, finite).
  rateDurationText: {
    env: "SIGMA_RATE_DURATION",
    kind: "string",
    default: String(DEFAULT_RATE_DURATION),
    description: "duration D of the stress model's rate channel (TLT return = -D x yield change), years, > 0",
  },
});

/** The validated configuration of the risk service. */
export type RiskConfig = BaseServiceEnv &
  Omit<ConfigOf<typeof riskConfigSpec>, "rateDurationText"> & {
    /** Duration D of the rate channel (years, finite, > 0). */
    rateDuration: number;
  };

function parseDuration(text: string | undefined): number {
  const t = (text ?? "").trim();
  return /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(t) ? Number(t) : Number.NaN;
}

/**
 * Reads and validates the risk service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadRiskConfig(env: Readonly<Record<string, string | undefined>> = process.env): RiskConfig {
  // Checked from the raw value so the problem is listed even when another variable failed to parse.
  const durationText = env.SIGMA_RATE_DURATION || String(DEFAULT_RATE_DURATION);
  const { base, cfg } = loadServiceConfig("risk", riskConfigSpec, env, () => {
    const problems: ConfigProblem[] = [];
    const d = parseDuration(durationText);
    if (!(Number.isFinite(d) && d > 0))
      problems.push({ env: "SIGMA_RATE_DURATION", problem: `must be a positive number of years, got ${JSON.stringify(durationText)}` });
    return problems;
  });
  const { rateDurationText, ...rest } = cfg;
  return { ...base, ...rest, rateDuration: parseDuration(rateDurationText) };
}
