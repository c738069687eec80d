import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCoordinatorConfig, startCoordinator } from "@sigma/coordinator-service";
import { startEmbeddedPostgres } from "@sigma/db";
import {
  connectNats,
  createMemoryBus,
  createNatsPublisher,
  drainAndClose,
  type EventPublisher,
  type EventSource,
  ensureStream,
  eventStreamConfig,
} from "@sigma/events";
import { loadFactorConfig, startFactor } from "@sigma/factor-service";
import { loadMarketDataConfig, startMarketData } from "@sigma/market-data-service";
import { loadRiskConfig, startRisk } from "@sigma/risk-service";
import { DEFAULT_PORTS, type Logger, type ServiceName } from "@sigma/runtime";
import { loadSnapshotConfig, startSnapshot } from "@sigma/snapshot-service";
import { loadStatusConfig, natsEventFeed, startStatus } from "@sigma/status-service";

/** Options of the all-in-one stack (`sigma dev`). */
export interface StackOptions {
  /**
   * The environment every service's configuration is read from (as each service's own main.ts
   * would read it, with the same defaults and validation); the stack overrides PORT, HOST,
   * DATABASE_URL, NATS_URL, STATUS_HTTP_PORT and the service URLs. Without DATABASE_URL it starts
   * embedded PGlite; without NATS_URL a nats-server child if one is on PATH, else an in-process bus.
   */
  env: Readonly<Record<string, string | undefined>>;
  host: string;
  ports: Record<ServiceName, number>;
  statusHttpPort: number;
  /**
   * Directory that keeps the embedded database and the nats-server child's JetStream store across
   * restarts; undefined keeps both in memory / a temporary folder (lost on stop).
   */
  dataDir?: string;
  logger: Logger;
}

/** A running stack. */
export interface Stack {
  endpoints: { name: string; url: string }[];
  statusPageUrl: string;
  databaseUrl: string;
  events: string;
  /** "dev" (everyone is admin) or "jwt". */
  authMode: string;
  prices: string;
  asOf?: string;
  close(): Promise<void>;
}

/** One port the stack was asked to use that another process holds. */
export interface BusyPort {
  port: number;
  /** The service (or "status page") that wanted it. */
  owner: string;
}

/** The stack could not start because ports it was told to use are taken. */
export class PortsInUseError extends Error {
  override readonly name = "PortsInUseError";
  constructor(
    readonly busy: readonly BusyPort[],
    readonly host: string,
    detail?: string,
  ) {
    super(
      detail ?? `port${busy.length === 1 ? "" : "s"} already in use on ${host}: ${busy.map((b) => `${b.port} (${b.owner})`).join(", ")}`,
    );
  }
}

/** Whether `port` can be bound on `host` right now (port 0 always can). */
function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/**
 * Every requested port that is taken, checked before anything starts so a busy port ends the
 * stack at once with the whole list instead of half a stack and a reconnecting NATS client.
 */
export async function busyPorts(host: string, ports: Record<ServiceName, number>, statusHttpPort: number): Promise<BusyPort[]> {
  const wanted: BusyPort[] = [
    ...(Object.entries(ports) as [ServiceName, number][]).map(([owner, port]) => ({ owner, port })),
    { owner: "status page", port: statusHttpPort },
  ];
  const busy: BusyPort[] = [];
  for (const w of wanted) if (!(await portFree(host, w.port))) busy.push(w);
  return busy;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Starts a nats-server child with JetStream, if the binary is on PATH. Its store lives in
 * `storeDir` when given (kept), else in a temporary folder (removed on stop).
 */
async function startLocalNats(logger: Logger, storeDir: string | undefined): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const which = spawnSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" });
  const bin = which.stdout.trim();
  if (which.status !== 0 || !bin) return undefined;
  const port = await freePort();
  const dir = storeDir ?? mkdtempSync(join(tmpdir(), "sigma-nats-"));
  if (storeDir) mkdirSync(storeDir, { recursive: true });
  const removeDir = () => {
    if (!storeDir) rmSync(dir, { recursive: true, force: true });
  };
  const child: ChildProcess = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  if (!(await waitForPort(port, 10_000))) {
    child.kill("SIGKILL");
    removeDir();
    logger.warn({ bin }, "nats-server did not start");
    return undefined;
  }
  logger.info({ port, dir }, "started nats-server child with JetStream");
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      removeDir();
    },
  };
}

/** True for a listen error saying the address is taken. */
function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE" || /EADDRINUSE/.test(String((err as Error)?.message));
}

/**
 * Starts every service in this process, each on its own port speaking real gRPC over loopback,
 * through the same configuration loaders and start functions as the services' own main.ts.
 *
 * @throws PortsInUseError when a requested port is taken (nothing is left running).
 * @throws ConfigError listing every bad variable of every service.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const busy = await busyPorts(o.host, o.ports, o.statusHttpPort);
  if (busy.length) throw new PortsInUseError(busy, o.host);

  // One environment, as one service's deployment would have it; DB_SCHEMA and PORT are per service.
  const { DB_SCHEMA: _schema, PORT: _port, ...inherited } = o.env;
  const env: Record<string, string | undefined> = { ...inherited, HOST: o.host, SIGMA_AUTH: o.env.SIGMA_AUTH || "dev" };
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const portEnv = (name: ServiceName) => ({ PORT: String(o.ports[name]) });
  // Validate every service's configuration before starting anything: one list of every problem.
  const check = {
    marketData: loadMarketDataConfig({ ...env, ...portEnv("market-data"), DATABASE_URL: env.DATABASE_URL || "postgres://embedded" }),
    coordinator: loadCoordinatorConfig({ ...env, DATABASE_URL: env.DATABASE_URL || "postgres://embedded" }, { requireNats: false }),
    risk: loadRiskConfig({ ...env, ...portEnv("risk"), DATABASE_URL: env.DATABASE_URL || "postgres://embedded" }),
    status: loadStatusConfig({ ...env, STATUS_HTTP_PORT: String(o.statusHttpPort) }, { requireNats: false }),
  };

  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => o.logger.error({ err }, "stack shutdown step failed"));
  };
  try {
    let databaseUrl = env.DATABASE_URL || undefined;
    if (!databaseUrl) {
      const dataDir = o.dataDir ? join(o.dataDir, "pglite") : undefined;
      if (dataDir) mkdirSync(dataDir, { recursive: true });
      const pg = await startEmbeddedPostgres({ maxConnections: 64, dataDir });
      closers.push(() => pg.close());
      databaseUrl = pg.url;
      o.logger.info({ url: databaseUrl, dataDir: dataDir ?? "in memory" }, "embedded Postgres (PGlite) started");
    }
    env.DATABASE_URL = databaseUrl;

    let publisher: EventPublisher;
    let source: EventSource;
    let events: string;
    let natsUrl = env.NATS_URL || undefined;
    if (!natsUrl) {
      const local = await startLocalNats(o.logger, o.dataDir ? join(o.dataDir, "nats") : undefined);
      if (local) {
        closers.push(() => local.stop());
        natsUrl = local.url;
      }
    }
    const stream = { name: check.coordinator.eventsStream, subjectPrefix: check.coordinator.eventsPrefix };
    if (natsUrl) {
      const nc = await connectNats(natsUrl, { name: "sigma-dev", logger: o.logger });
      closers.push(() => drainAndClose(nc));
      await ensureStream(await nc.jetstreamManager(), eventStreamConfig(stream));
      publisher = createNatsPublisher({ nc, stream, logger: o.logger });
      // The status service's own feed reports where the stream ends, so it serves once replayed.
      const feed = natsEventFeed({ url: natsUrl, stream, logger: o.logger });
      closers.push(() => feed.close());
      source = feed;
      events = `NATS JetStream at ${natsUrl}`;
    } else {
      const bus = createMemoryBus();
      publisher = bus;
      source = bus;
      events = "in-process bus (no NATS_URL and no nats-server on PATH: events are not durable)";
      o.logger.warn("NO NATS: using an in-process event bus; status is lost when this process exits");
    }
    closers.push(() => publisher.close());
    const shared = { logger: o.logger };

    const md = await startMarketData(loadMarketDataConfig({ ...env, ...portEnv("market-data") }), shared);
    closers.push(() => md.close());
    env.SIGMA_MARKET_DATA_URL = url(md.port);
    const factor = await startFactor(loadFactorConfig({ ...env, ...portEnv("factor") }), shared);
    closers.push(() => factor.close());
    env.SIGMA_FACTOR_URL = url(factor.port);
    const snapshot = await startSnapshot(loadSnapshotConfig({ ...env, ...portEnv("snapshot") }), shared);
    closers.push(() => snapshot.close());
    // For the coordinator's portfolio scope (onboarding, removal, phase 2) on a non-default --base-port.
    env.SIGMA_SNAPSHOT_URL = url(snapshot.port);
    // After market-data, factor and snapshot: it reads all three (env holds their actual URLs by now).
    const risk = await startRisk(loadRiskConfig({ ...env, ...portEnv("risk") }), shared);
    closers.push(() => risk.close());
    // For the coordinator's risk phases (3–6, stress) and removals on a non-default --base-port; the
    // status service's web app reads portfolios from the snapshot service and reports from risk.
    env.SIGMA_RISK_URL = url(risk.port);
    // The coordinator starts last; the Retry button only calls it once the stack is up. With port 0
    // its address is not known yet, so the page's Retry goes to the default address then.
    if (o.ports.coordinator) env.SIGMA_COORDINATOR_URL = url(o.ports.coordinator);
    const status = await startStatus(
      loadStatusConfig({ ...env, ...portEnv("status"), STATUS_HTTP_PORT: String(o.statusHttpPort) }, { requireNats: false }),
      { ...shared, events: source },
    );
    closers.push(() => status.close());
    const coordinatorConfig = loadCoordinatorConfig({ ...env, ...portEnv("coordinator") }, { requireNats: false });
    const coordinator = await startCoordinator(coordinatorConfig, { ...shared, publisher });
    // Before the publisher closes (closers run in reverse): cancelled runs still publish their end.
    closers.push(() => coordinator.close());

    return {
      endpoints: [
        { name: "coordinator", url: url(coordinator.port) },
        { name: "market-data", url: url(md.port) },
        { name: "factor", url: url(factor.port) },
        { name: "snapshot", url: url(snapshot.port) },
        { name: "risk", url: url(risk.port) },
        { name: "status", url: url(status.port) },
      ],
      statusPageUrl: `http://127.0.0.1:${status.httpPort}/`,
      databaseUrl,
      events,
      authMode: coordinatorConfig.auth.mode,
      prices: check.marketData.prices,
      asOf: coordinatorConfig.asOf,
      close,
    };
  } catch (err) {
    await close();
    // Taken between the check above and the listen (another process was quicker).
    if (isAddressInUse(err)) throw new PortsInUseError([], o.host, `a port is already in use on ${o.host}: ${(err as Error).message}`);
    throw err;
  }
}

/** The default port map, overridable per service (SIGMA_<NAME>_PORT) or as a block from a base port. */
export function stackPorts(env: Readonly<Record<string, string | undefined>>, basePort?: number): Record<ServiceName, number> {
  const names = Object.keys(DEFAULT_PORTS) as ServiceName[];
  return Object.fromEntries(
    names.map((n, i) => {
      const fromEnv = env[`SIGMA_${n.toUpperCase().replace("-", "_")}_PORT`];
      return [n, fromEnv ? Number(fromEnv) : basePort !== undefined ? (basePort === 0 ? 0 : basePort + i) : DEFAULT_PORTS[n]];
    }),
  ) as Record<ServiceName, number>;
}
