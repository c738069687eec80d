import { CoordinatorService, FactorService, MarketDataService, StatusService } from "@sigma/contracts";
import { createServiceClient, DEFAULT_PORTS, issueToken } from "@sigma/runtime";

/** Where the CLI finds the services and how it authenticates (all from the environment). */
export interface CliEnv {
  coordinatorUrl: string;
  marketDataUrl: string;
  statusUrl: string;
  factorUrl: string;
  /** Bearer token source, or undefined in dev mode. */
  token?: () => Promise<string>;
}

/**
 * Reads SIGMA_URL (coordinator), SIGMA_MARKET_DATA_URL, SIGMA_STATUS_URL, SIGMA_FACTOR_URL (defaults: the `sigma dev`
 * addresses) and the credentials: SIGMA_TOKEN, else a token minted from SIGMA_JWT_SECRET (operator
 * machines), else none (dev mode servers).
 */
export function cliEnv(env: Readonly<Record<string, string | undefined>> = process.env): CliEnv {
  const h = DEFAULT_PORTS;
  let token: (() => Promise<string>) | undefined;
  if (env.SIGMA_TOKEN) {
    const t = env.SIGMA_TOKEN;
    token = async () => t;
  } else if (env.SIGMA_JWT_SECRET) {
    const secret = env.SIGMA_JWT_SECRET;
    let cached: Promise<string> | undefined;
    token = () => (cached ??= issueToken(secret, env.SIGMA_USER ?? "cli-operator", ["user", "admin"], "1h"));
  }
  return {
    coordinatorUrl: env.SIGMA_URL || `http://127.0.0.1:${h.coordinator}`,
    marketDataUrl: env.SIGMA_MARKET_DATA_URL || `http://127.0.0.1:${h["market-data"]}`,
    statusUrl: env.SIGMA_STATUS_URL || `http://127.0.0.1:${h.status}`,
    factorUrl: env.SIGMA_FACTOR_URL || `http://127.0.0.1:${h.factor}`,
    token,
  };
}

/** Typed clients for the services the CLI talks to. */
export function clients(e: CliEnv) {
  const opts = { token: e.token, timeoutMs: 60_000 };
  return {
    coordinator: createServiceClient(CoordinatorService, e.coordinatorUrl, opts),
    marketData: createServiceClient(MarketDataService, e.marketDataUrl, opts),
    status: createServiceClient(StatusService, e.statusUrl, { ...opts, retries: 0 }),
    factor: createServiceClient(FactorService, e.factorUrl, opts),
  };
}
