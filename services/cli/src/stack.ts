import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClock } from "@sigma/calendar";
import { startEmbeddedPostgres } from "@sigma/db";
import {
  connectNats,
  createMemoryBus,
  ensureStream,
  eventStreamConfig,
  createNatsPublisher,
  drainAndClose,
  type EventPublisher,
  type EventSource,
} from "@sigma/events";
import { type AuthConfig, DEFAULT_PORTS, type Logger, type ServiceName, serviceTokenSource } from "@sigma/runtime";
import { startCoordinator } from "@sigma/coordinator-service/app";
import { startMarketData } from "@sigma/market-data-service/app";
import { startFactor } from "@sigma/factor-service/app";
import { startSnapshot } from "@sigma/snapshot-service/app";
import { startRisk } from "@sigma/risk-service/app";
import { natsEventFeed, startStatus } from "@sigma/status-service/app";

/** Options of the all-in-one stack (`sigma dev`). */
export interface StackOptions {
  /** Postgres URL; undefined starts embedded PGlite served over the Postgres wire protocol. */
  databaseUrl?: string;
  /** NATS URL; undefined starts a nats-server child if one is on PATH, else an in-process bus. */
  natsUrl?: string;
  prices: string;
  host: string;
  ports: Record<ServiceName, number>;
  statusHttpPort: number;
  asOf?: string;
  auth: AuthConfig;
  logger: Logger;
}

/** A running stack. */
export interface Stack {
  endpoints: { name: string; url: string }[];
  statusPageUrl: string;
  databaseUrl: string;
  events: string;
  close(): Promise<void>;
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

/** Starts a nats-server child with JetStream in a temp dir, if the binary is on PATH. */
async function startLocalNats(logger: Logger): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const which = spawnSync("sh", ["-c", "command -v nats-server"], { encoding: "utf8" });
  const bin = which.stdout.trim();
  if (which.status !== 0 || !bin) return undefined;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "sigma-nats-"));
  const child: ChildProcess = spawn(bin, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], { stdio: "ignore" });
  if (!(await waitForPort(port, 10_000))) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    logger.warn({ bin }, "nats-server did not start");
    return undefined;
  }
  logger.info({ port, dir }, "started nats-server child with JetStream");
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts every service in this process, each on its own port speaking real gRPC over loopback,
 * on the embedded defaults where no DATABASE_URL / NATS_URL is given.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const closers: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err) => o.logger.error({ err }, "stack shutdown step failed"));
  };
  try {
    let databaseUrl = o.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({ maxConnections: 64 });
      closers.push(() => pg.close());
      databaseUrl = pg.url;
      o.logger.info({ url: databaseUrl }, "embedded Postgres (PGlite) started");
    }

    let publisher: EventPublisher;
    let source: EventSource;
    let events: string;
    let natsUrl = o.natsUrl;
    if (!natsUrl) {
      const local = await startLocalNats(o.logger);
      if (local) {
        closers.push(() => local.stop());
        natsUrl = local.url;
      }
    }
    if (natsUrl) {
      const nc = await connectNats(natsUrl, { name: "sigma-dev", logger: o.logger });
      closers.push(() => drainAndClose(nc));
      await ensureStream(await nc.jetstreamManager(), eventStreamConfig());
      publisher = createNatsPublisher({ nc, logger: o.logger });
      // The status service's own feed reports where the stream ends, so it serves once replayed.
      const feed = natsEventFeed({ url: natsUrl, stream: {}, logger: o.logger });
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

    const common = { host: o.host, logger: o.logger, auth: o.auth };
    const md = await startMarketData({ ...common, port: o.ports["market-data"], databaseUrl, prices: o.prices });
    closers.push(() => md.close());
    const factor = await startFactor({
      ...common,
      port: o.ports.factor,
      databaseUrl,
      marketDataUrl: `http://127.0.0.1:${md.port}`,
      serviceToken: serviceTokenSource(o.auth, "service:factor"),
    });
    closers.push(() => factor.close());
    const snapshot = await startSnapshot({ ...common, port: o.ports.snapshot });
    closers.push(() => snapshot.close());
    const risk = await startRisk({ ...common, port: o.ports.risk });
    closers.push(() => risk.close());
    const coordinatorPort = o.ports.coordinator;
    const status = await startStatus({
      ...common,
      port: o.ports.status,
      httpPort: o.statusHttpPort,
      events: source,
      // The coordinator starts last; the Retry button only calls it once the stack is up.
      coordinatorUrl: coordinatorPort ? `http://127.0.0.1:${coordinatorPort}` : undefined,
      serviceToken: serviceTokenSource(o.auth, "service:status"),
    });
    closers.push(() => status.close());
    const coordinator = await startCoordinator({
      ...common,
      port: o.ports.coordinator,
      databaseUrl,
      marketDataUrl: `http://127.0.0.1:${md.port}`,
      factorUrl: `http://127.0.0.1:${factor.port}`,
      serviceToken: serviceTokenSource(o.auth, "service:coordinator"),
      publisher,
      clock: createClock({ asOf: o.asOf }),
    });
    closers.push(() => coordinator.close());
    closers.splice(closers.length - 1, 0, () => publisher.close());

    const url = (p: number) => `http://127.0.0.1:${p}`;
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
      close,
    };
  } catch (err) {
    await close();
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
