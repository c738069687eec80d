/**
 * The whole Sigma system for end-to-end tests: a fresh database, a fresh event stream, and the six
 * services as separate processes on free loopback ports with JWT auth. A service may run as several
 * replicas (separate processes, each on its own port); its peers then reach it through the
 * balanced peer URL `grpc+lb://127.0.0.1:P1,127.0.0.1:P2,...` (grpc-js round_robin).
 */
import { randomBytes } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { CoordinatorService, FactorService, MarketDataService, RiskService, SnapshotService, StatusService } from "@sigma/contracts";
import type { EventStreamConfig } from "@sigma/events";
import { createServiceClient, issueToken, type ServiceName } from "@sigma/runtime";
import { runCli, type CliResult, type RunCliOptions } from "./cli.js";
import { createTestStream, type TestStream } from "./nats.js";
import { PRICES_CSV } from "./paths.js";
import { freePorts } from "./ports.js";
import { createTestDatabase, type TestDatabase } from "./postgres.js";
import { ServiceProcess } from "./service-process.js";

/** The six services, in start order (market data first: the coordinator calls it). */
export const SERVICE_NAMES: readonly ServiceName[] = ["market-data", "factor", "snapshot", "risk", "status", "coordinator"];

/** Options of {@link startSystem}. */
export interface SystemOptions {
  /** Admin Postgres URL used to create the test database (default local trust). */
  adminDatabaseUrl?: string;
  /** NATS URL (default local or SIGMA_TEST_NATS_URL). */
  natsUrl?: string;
  /** SIGMA_PRICES of market data (default `csv:<shared prices file>`). */
  prices?: string;
  /** SIGMA_AS_OF of every service (default 2020-01-23, the last date of the prices file). */
  asOf?: string;
  /** LOG_LEVEL of every service (default "info"). */
  logLevel?: string;
  /** Extra environment for every service (overrides the defaults). */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Readiness timeout per service (ms, default 60000). */
  readyTimeoutMs?: number;
  /**
   * Replicas per service (default 1), e.g. `{ factor: 2, risk: 3 }`: each replica is its own
   * process on its own port, and every peer (and the test clients, and the CLI) reaches the service
   * through `grpc+lb://` over all of them. The coordinator (owner of run state and leases, one
   * active holder) and status (one HTTP page port) run once.
   */
  replicas?: Partial<Record<ServiceName, number>>;
}

/** Typed clients (admin token, gRPC) for each service. */
export interface SystemClients {
  coordinator: Client<typeof CoordinatorService>;
  marketData: Client<typeof MarketDataService>;
  factor: Client<typeof FactorService>;
  snapshot: Client<typeof SnapshotService>;
  risk: Client<typeof RiskService>;
  status: Client<typeof StatusService>;
}

/** A running system. */
export interface System {
  /** Peer URL per service: `http://127.0.0.1:P`, or `grpc+lb://127.0.0.1:P1,...` for a replicated one. */
  readonly urls: Readonly<Record<ServiceName, string>>;
  /** gRPC port per service (its first replica's). */
  readonly ports: Readonly<Record<ServiceName, number>>;
  /** gRPC ports of every replica per service. */
  readonly replicaPorts: Readonly<Record<ServiceName, readonly number[]>>;
  /** HTTP/1.1 base URL of the status web page. */
  readonly statusHttpUrl: string;
  /** The shared HS256 secret (so tests can mint other tokens, e.g. non-admin). */
  readonly jwtSecret: string;
  /** A token for subject "e2e-admin" with roles user+admin, valid for 2 h. */
  readonly adminToken: string;
  readonly database: TestDatabase;
  readonly stream: EventStreamConfig;
  readonly natsUrl: string;
  readonly clients: SystemClients;
  /** Environment that points the CLI at this system (SIGMA_URL, ..., SIGMA_TOKEN). */
  readonly cliEnv: Readonly<Record<string, string>>;
  /** The current process of a service's replica (default the first; changes after restart). */
  process(name: ServiceName, replica?: number): ServiceProcess;
  /**
   * Stops a service's replica (SIGTERM) and starts it again on the same port; resolves once
   * SERVING. A replica that already exited (e.g. killed to simulate a crash) is just started again.
   */
  restart(name: ServiceName, replica?: number): Promise<ServiceProcess>;
  /** Runs the CLI against this system (see runCli). */
  cli(args: readonly string[], opts?: RunCliOptions): Promise<CliResult>;
  /** Output tails of every service, for failure diagnostics. */
  describe(lines?: number): string;
  /** Stops every service, deletes the stream and drops the database. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the six services as separate processes against a fresh database `sigma_test_<hex>` and
 * a fresh JetStream stream, all bound to 127.0.0.1, with JWT auth and a random secret.
 *
 * Every resource created before a failure is released before the error propagates; the error
 * message carries the failing service's output tail.
 *
 * @throws Error when Postgres/NATS are unreachable or a service does not become SERVING.
 */
export async function startSystem(opts: SystemOptions = {}): Promise<System> {
  const cleanups: (() => Promise<unknown>)[] = [];
  /** Keyed `${name}#${replica}`. */
  const processes = new Map<string, ServiceProcess>();
  const key = (name: ServiceName, replica = 0) => `${name}#${replica}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const errors: unknown[] = [];
    // Coordinator first (it publishes and calls market data), then the rest in parallel.
    const coord = processes.get(key("coordinator"));
    if (coord) await coord.stop();
    await Promise.all([...processes.values()].map((p) => p.stop()));
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length) throw new AggregateError(errors, "system cleanup failed");
  };

  try {
    const database = await createTestDatabase(opts.adminDatabaseUrl);
    cleanups.push(() => database.drop());
    const stream: TestStream = await createTestStream(opts.natsUrl);
    cleanups.push(() => stream.delete());

    const counts = replicaCounts(opts.replicas);
    const total = SERVICE_NAMES.reduce((n, s) => n + counts[s], 0);
    const [statusHttpPort, ...grpcPorts] = await freePorts(total + 1);
    const replicaPorts = {} as Record<ServiceName, number[]>;
    for (const n of SERVICE_NAMES) replicaPorts[n] = grpcPorts.splice(0, counts[n]);
    const ports = Object.fromEntries(SERVICE_NAMES.map((n) => [n, replicaPorts[n][0]!])) as Record<ServiceName, number>;
    const urls = Object.fromEntries(
      SERVICE_NAMES.map((n) => [
        n,
        counts[n] === 1 ? `http://127.0.0.1:${ports[n]}` : `grpc+lb://${replicaPorts[n].map((p) => `127.0.0.1:${p}`).join(",")}`,
      ]),
    ) as Record<ServiceName, string>;
    const jwtSecret = randomBytes(32).toString("hex");
    const adminToken = await issueToken(jwtSecret, "e2e-admin", ["user", "admin"], "2h");

    const baseEnv: Record<string, string> = {
      HOST: "127.0.0.1",
      LOG_LEVEL: opts.logLevel ?? "info",
      SIGMA_AUTH: "jwt",
      SIGMA_JWT_SECRET: jwtSecret,
      DATABASE_URL: database.url,
      NATS_URL: stream.natsUrl,
      SIGMA_EVENTS_STREAM: stream.config.name,
      SIGMA_EVENTS_PREFIX: stream.config.subjectPrefix,
      SIGMA_PRICES: opts.prices ?? `csv:${PRICES_CSV}`,
      SIGMA_AS_OF: opts.asOf ?? "2020-01-23",
      // Every service URL, under the names the services read (unknown names are ignored), so a
      // service that starts calling another one finds it here rather than on a default port.
      SIGMA_MARKET_DATA_URL: urls["market-data"],
      SIGMA_FACTOR_URL: urls.factor,
      SIGMA_SNAPSHOT_URL: urls.snapshot,
      SIGMA_RISK_URL: urls.risk,
      SIGMA_STATUS_URL: urls.status,
      SIGMA_COORDINATOR_URL: urls.coordinator,
      STATUS_HTTP_PORT: String(statusHttpPort),
      ...opts.env,
    };
    const start = async (name: ServiceName, replica = 0): Promise<ServiceProcess> => {
      const port = replicaPorts[name][replica];
      if (port === undefined) throw new Error(`${name} has ${counts[name]} replica(s), no replica ${replica}`);
      const p = await ServiceProcess.start({
        name,
        port,
        env: { ...baseEnv, ...opts.serviceEnv?.[name] },
        readyTimeoutMs: opts.readyTimeoutMs,
      });
      processes.set(key(name, replica), p);
      return p;
    };
    // Independent at start-up (clients connect lazily), so start them together; allSettled so
    // that every started process is known to stop() even when another failed.
    const started = await Promise.allSettled(SERVICE_NAMES.flatMap((n) => replicaPorts[n].map((_, i) => start(n, i))));
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length)
      throw new AggregateError(
        failed.map((f) => f.reason),
        failed.map((f) => (f.reason as Error).message).join("\n"),
      );

    const clientOpts = { token: adminToken, timeoutMs: 60_000 };
    const clients: SystemClients = {
      coordinator: createServiceClient(CoordinatorService, urls.coordinator, clientOpts),
      marketData: createServiceClient(MarketDataService, urls["market-data"], clientOpts),
      factor: createServiceClient(FactorService, urls.factor, clientOpts),
      snapshot: createServiceClient(SnapshotService, urls.snapshot, clientOpts),
      risk: createServiceClient(RiskService, urls.risk, clientOpts),
      // Streams are never retried by the client, and tests want to see status errors as they are.
      status: createServiceClient(StatusService, urls.status, { ...clientOpts, retries: 0 }),
    };
    const cliEnv = {
      SIGMA_URL: urls.coordinator,
      SIGMA_MARKET_DATA_URL: urls["market-data"],
      SIGMA_STATUS_URL: urls.status,
      SIGMA_FACTOR_URL: urls.factor,
      SIGMA_SNAPSHOT_URL: urls.snapshot,
      SIGMA_RISK_URL: urls.risk,
      SIGMA_TOKEN: adminToken,
    };
    const describe = (lines = 40): string => [...processes.values()].map((p) => p.describe(lines)).join("\n");

    return {
      urls,
      ports,
      replicaPorts,
      statusHttpUrl: `http://127.0.0.1:${statusHttpPort}`,
      jwtSecret,
      adminToken,
      database,
      stream: stream.config,
      natsUrl: stream.natsUrl,
      clients,
      cliEnv,
      process(name, replica = 0) {
        const p = processes.get(key(name, replica));
        if (!p) throw new Error(`service ${name} replica ${replica} is not running`);
        return p;
      },
      async restart(name, replica = 0) {
        if (stopped) throw new Error("system stopped");
        const old = processes.get(key(name, replica));
        if (old && !old.exit) {
          const exit = await old.stop();
          // A clean SIGTERM shutdown exits 0; anything else is worth failing the test over.
          if (exit.code !== 0)
            throw new Error(`${name} did not shut down cleanly (code=${exit.code} signal=${exit.signal})\n${old.describe(60)}`);
        }
        return start(name, replica);
      },
      cli: (args, o) => runCli(args, { ...o, env: { ...cliEnv, ...o?.env } }),
      describe,
      stop,
    };
  } catch (err) {
    await stop().catch((cleanupErr: unknown) => {
      throw new AggregateError([err, cleanupErr], `${(err as Error).message} (and cleanup failed)`);
    });
    throw err;
  }
}

/** Services that run exactly once: the coordinator owns run state and leases, status serves one page port. */
const SINGLE_REPLICA: ReadonlySet<ServiceName> = new Set(["coordinator", "status"]);

/**
 * Replicas per service with defaults (1) filled in.
 *
 * @throws Error for a count that is not a positive integer, or more than one coordinator or status.
 */
export function replicaCounts(replicas: Partial<Record<ServiceName, number>> = {}): Record<ServiceName, number> {
  const out = {} as Record<ServiceName, number>;
  for (const n of SERVICE_NAMES) {
    const c = replicas[n] ?? 1;
    if (!Number.isInteger(c) || c < 1 || c > 16) throw new Error(`replicas of ${n} must be an integer in 1..16, got ${c}`);
    if (c > 1 && SINGLE_REPLICA.has(n)) throw new Error(`${n} runs as one replica (got ${c})`);
    out[n] = c;
  }
  for (const n of Object.keys(replicas)) if (!SERVICE_NAMES.includes(n as ServiceName)) throw new Error(`unknown service ${n}`);
  return out;
}
