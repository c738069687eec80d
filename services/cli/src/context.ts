import type { Command } from "commander";
import { CoordinatorService, FactorService, MarketDataService, RiskService, SnapshotService, StatusService } from "@sigma/contracts";
import { createServiceClient, DEFAULT_PORTS, issueToken, parsePeerUrl } from "@sigma/runtime";
import { labelErrors, type ServiceLabel } from "./errors.js";
import { type CliIo, Output, UsageError } from "./output.js";
import { parseDate } from "./validate.js";

/** Where the CLI finds the services and how it authenticates (all from the environment). */
export interface CliEnv {
  coordinator: ServiceLabel;
  marketData: ServiceLabel;
  status: ServiceLabel;
  factor: ServiceLabel;
  snapshot: ServiceLabel;
  risk: ServiceLabel;
  /** SIGMA_AS_OF: the as-of date runs started by this CLI are pinned to ("" = the coordinator's clock). */
  asOf: string;
  /** Bearer token source, or undefined in dev mode. */
  token?: () => Promise<string>;
}

function serviceUrl(env: CliIo["env"], envVar: string, name: string, port: number): ServiceLabel {
  const url = env[envVar] || `http://127.0.0.1:${port}`;
  try {
    parsePeerUrl(url);
  } catch (e) {
    throw new UsageError(
      `${envVar}=${url}: ${(e as Error).message} (e.g. http://127.0.0.1:${port}, or grpc+lb://127.0.0.1:${port},127.0.0.1:${port + 100} for replicas)`,
    );
  }
  return { name, url, envVar };
}

/**
 * Reads SIGMA_URL (coordinator), SIGMA_MARKET_DATA_URL, SIGMA_STATUS_URL, SIGMA_FACTOR_URL, SIGMA_SNAPSHOT_URL, SIGMA_RISK_URL (defaults: the `sigma dev`
 * addresses), SIGMA_AS_OF and the credentials: SIGMA_TOKEN, else a token minted from SIGMA_JWT_SECRET
 * (operator machines), else none (dev mode servers).
 *
 * @throws UsageError naming the variable when an address or SIGMA_AS_OF is malformed.
 */
export function cliEnv(env: CliIo["env"] = process.env): CliEnv {
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
    coordinator: serviceUrl(env, "SIGMA_URL", "coordinator", h.coordinator),
    marketData: serviceUrl(env, "SIGMA_MARKET_DATA_URL", "market-data", h["market-data"]),
    status: serviceUrl(env, "SIGMA_STATUS_URL", "status", h.status),
    factor: serviceUrl(env, "SIGMA_FACTOR_URL", "factor", h.factor),
    snapshot: serviceUrl(env, "SIGMA_SNAPSHOT_URL", "snapshot", h.snapshot),
    risk: serviceUrl(env, "SIGMA_RISK_URL", "risk", h.risk),
    asOf: env.SIGMA_AS_OF ? parseDate(env.SIGMA_AS_OF, "SIGMA_AS_OF") : "",
    token,
  };
}

/** Typed clients for the services the CLI talks to; their errors name the service and its variable. */
export function clients(e: CliEnv) {
  const opts = (label: ServiceLabel) => ({ token: e.token, timeoutMs: 60_000, interceptors: [labelErrors(label)] });
  return {
    coordinator: createServiceClient(CoordinatorService, e.coordinator.url, opts(e.coordinator)),
    marketData: createServiceClient(MarketDataService, e.marketData.url, opts(e.marketData)),
    status: createServiceClient(StatusService, e.status.url, { ...opts(e.status), retries: 0 }),
    factor: createServiceClient(FactorService, e.factor.url, opts(e.factor)),
    snapshot: createServiceClient(SnapshotService, e.snapshot.url, opts(e.snapshot)),
    risk: createServiceClient(RiskService, e.risk.url, opts(e.risk)),
  };
}

/** The clients of one invocation. */
export type Clients = ReturnType<typeof clients>;

/** What every command gets: the invocation's streams and environment, and lazily built clients. */
export class Cli {
  private env?: CliEnv;
  private made?: Clients;

  constructor(readonly io: CliIo) {}

  /** The parsed environment (parsed on first use, so `--help` works with a broken SIGMA_URL). */
  cliEnv(): CliEnv {
    this.env ??= cliEnv(this.io.env);
    return this.env;
  }

  /** The service clients. */
  clients(): Clients {
    this.made ??= clients(this.cliEnv());
    return this.made;
  }

  /** The output of `cmd` (honours the global --json). */
  output(cmd: Command): Output {
    return new Output(this.io, Boolean(cmd.optsWithGlobals().json));
  }
}
