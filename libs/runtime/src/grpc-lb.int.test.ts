/**
 * The grpc+lb transport (grpc-js round_robin) against three real serve() replicas on loopback:
 * spreading, a replica closed or going away mid-call (the retry lands on a live one), deadlines,
 * error codes and details, the bearer token, server streaming, and health through the balancer.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { MarketDataService, StatusService } from "@sigma/contracts";
import { Health, HealthCheckResponse_ServingStatus as S } from "@sigma/contracts/health";
import { issueToken } from "./auth.js";
import { bearerInterceptor, createServiceClient } from "./client.js";
import { createGrpcLbTransport } from "./grpc-lb-transport.js";
import { parsePeerUrl } from "./peer-url.js";
import { defineService, serve, type RunningServer } from "./serve.js";
import { memoryLogger } from "./test-log.js";
import { fakeServices } from "./test-service.js";

const SECRET = "integration-test-secret-0123456789abcdef";

/** One replica: the fake services plus a SyncPrices that counts per replica and can be made slow. */
interface Replica {
  server: RunningServer;
  calls: number;
  /** When set, SyncPrices waits this long (ms) or until the server aborts it. */
  slowMs: number;
  /** Resolved when a slow SyncPrices call has arrived. */
  arrived?: () => void;
}

async function startReplica(): Promise<Replica> {
  const r = { calls: 0, slowMs: 0 } as Replica;
  const { services } = fakeServices();
  const md = defineService(MarketDataService, {
    ...(services[0]!.impl as object),
    async syncPrices(_req, ctx) {
      r.calls++;
      if (r.slowMs > 0) {
        r.arrived?.();
        await sleep(r.slowMs, undefined, { signal: ctx.signal }).catch(() => {});
        ctx.signal.throwIfAborted();
      }
      return { results: [] };
    },
  });
  r.server = await serve({
    name: "lb-replica",
    port: 0,
    services: [md, services[1]!],
    logger: memoryLogger().logger,
    auth: { mode: "jwt", secret: SECRET },
    drainTimeoutMs: 200,
  });
  return r;
}

describe("parsePeerUrl", () => {
  it("maps the accepted forms to grpc-js targets and rejects the rest with a usable message", () => {
    assert.deepEqual(parsePeerUrl("http://factor:50053"), { kind: "http", baseUrl: "http://factor:50053" });
    assert.deepEqual(parsePeerUrl("grpc+lb://127.0.0.1:5001,127.0.0.1:5002"), {
      kind: "grpc-lb",
      target: "ipv4:127.0.0.1:5001,127.0.0.1:5002",
      addresses: 2,
    });
    assert.deepEqual(parsePeerUrl("grpc+lb://[::1]:5001,[::1]:5002"), {
      kind: "grpc-lb",
      target: "ipv6:[::1]:5001,[::1]:5002",
      addresses: 2,
    });
    assert.deepEqual(parsePeerUrl("grpc+lb://factor-headless:50053"), { kind: "grpc-lb", target: "dns:///factor-headless:50053" });
    assert.deepEqual(parsePeerUrl("dns:///risk-headless.sigma.svc.cluster.local:50051"), {
      kind: "grpc-lb",
      target: "dns:///risk-headless.sigma.svc.cluster.local:50051",
    });
    assert.throws(() => parsePeerUrl("grpc+lb://a:1,b:2"), /several host names.*dns:\/\/\/name:port/);
    assert.throws(() => parsePeerUrl("grpc+lb://127.0.0.1:1,[::1]:2"), /mixes IPv4 and IPv6/);
    assert.throws(() => parsePeerUrl("grpc+lb://127.0.0.1"), /needs host:port/);
    assert.throws(() => parsePeerUrl("grpc+lb://127.0.0.1:99999"), /bad port/);
    assert.throws(() => parsePeerUrl("ftp://x"), /unsupported peer URL/);
  });
});

describe("grpc+lb transport over three replicas", () => {
  const replicas: Replica[] = [];
  let url: string;
  let token: string;

  before(async () => {
    for (let i = 0; i < 3; i++) replicas.push(await startReplica());
    url = `grpc+lb://${replicas.map((r) => `127.0.0.1:${r.server.port}`).join(",")}`;
    token = await issueToken(SECRET, "alice", ["user", "admin"], "5m");
  });
  after(async () => {
    for (const r of replicas) await r.server.close();
  });

  const reset = () => {
    for (const r of replicas) r.calls = 0;
  };

  it("spreads calls round robin over every replica, with the bearer token", async () => {
    const md = createServiceClient(MarketDataService, url, { token, retries: 0 });
    // The first calls may go out while only some connections are ready.
    for (let i = 0; i < 6; i++) await md.syncPrices({});
    await sleep(100);
    reset();
    for (let i = 0; i < 30; i++) await md.syncPrices({});
    const counts = replicas.map((r) => r.calls);
    assert.deepEqual(counts, [10, 10, 10], `calls per replica: ${counts}`);
    assert.equal((await md.getProviderInfo({})).description, "hello alice");
  });

  it("maps errors to the same Connect code, message and details", async () => {
    const md = createServiceClient(MarketDataService, url, { token, retries: 0 });
    const nf = await md.getPriceSeries({ symbols: ["X"] }).catch((e: unknown) => ConnectError.from(e));
    assert.ok(nf instanceof ConnectError);
    assert.equal(nf.code, Code.NotFound);
    assert.equal(nf.rawMessage, "unknown symbols: X");
    const ia = await md.getPriceSeries({ symbols: ["KNOWN"], startDate: "bad" }).catch((e: unknown) => ConnectError.from(e));
    assert.ok(ia instanceof ConnectError);
    assert.equal(ia.code, Code.InvalidArgument);
    // Same message as over the connect-node transport (field violations are listed in it).
    const direct = createServiceClient(MarketDataService, replicas[0]!.server.url, { token, retries: 0 });
    const viaHttp = await direct.getPriceSeries({ symbols: ["KNOWN"], startDate: "bad" }).catch((e: unknown) => ConnectError.from(e));
    assert.ok(viaHttp instanceof ConnectError);
    assert.equal(ia.rawMessage, viaHttp.rawMessage);
    assert.match(ia.rawMessage, /start_date: not a date/);
    const anon = createServiceClient(MarketDataService, url, { retries: 0 });
    await assert.rejects(anon.getProviderInfo({}), (e: unknown) => ConnectError.from(e).code === Code.Unauthenticated);
  });

  it("turns the call's deadline into DEADLINE_EXCEEDED", async () => {
    for (const r of replicas) r.slowMs = 5000;
    try {
      const md = createServiceClient(MarketDataService, url, { token, retries: 0 });
      const t0 = Date.now();
      await assert.rejects(md.syncPrices({}, { timeoutMs: 200 }), (e: unknown) => ConnectError.from(e).code === Code.DeadlineExceeded);
      assert.ok(Date.now() - t0 < 2000);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      await assert.rejects(md.syncPrices({}, { signal: ac.signal }), (e: unknown) => ConnectError.from(e).code === Code.Canceled);
    } finally {
      for (const r of replicas) r.slowMs = 0;
    }
  });

  it("streams server messages and cancels on abort", async () => {
    const status = createServiceClient(StatusService, url, { token, retries: 0 });
    const ac = new AbortController();
    const it = status.watchStatus({}, { signal: ac.signal })[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.value.seq, 1n);
    ac.abort();
    await assert.rejects(it.next(), (e: unknown) => ConnectError.from(e).code === Code.Canceled);
  });

  it("serves health through the balancer", async () => {
    const health = createServiceClient(Health, url, { retries: 0 });
    assert.equal((await health.check({ service: "" })).status, S.SERVING);
  });

  it("with dns: targets, moves new calls to a freshly resolved channel; calls in flight on the old one finish", async () => {
    const r = replicas[2]!;
    const transport = createGrpcLbTransport({
      target: `dns:///localhost:${r.server.port}`,
      interceptors: [bearerInterceptor(token)],
      reresolveMs: 50,
    });
    try {
      const md = createClient(MarketDataService, transport);
      await md.syncPrices({});
      r.slowMs = 400;
      const slow = md.syncPrices({});
      await sleep(100);
      r.slowMs = 0;
      // Each of these starts after the re-resolution interval: a new channel, the old one closed.
      for (let i = 0; i < 3; i++) {
        await md.syncPrices({});
        await sleep(60);
      }
      assert.ok(await slow, "the call in flight on the replaced channel completed");
    } finally {
      r.slowMs = 0;
      transport.close();
    }
  });

  it("keeps answering when a replica goes away mid-call: the retry lands on a live replica", async () => {
    const md = createServiceClient(MarketDataService, url, {
      token,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 20, maxDelayMs: 100, budgetMs: 10_000 },
    });
    for (let i = 0; i < 6; i++) await md.syncPrices({});
    const victim = replicas[0]!;
    victim.slowMs = 60_000;
    reset();
    // Three concurrent calls: round robin puts one on the victim, which is closed under it.
    const arrived = new Promise<void>((r) => {
      victim.arrived = r;
    });
    const calls = [md.syncPrices({}), md.syncPrices({}), md.syncPrices({})];
    await arrived;
    await victim.server.close();
    const results = await Promise.all(calls);
    assert.equal(results.length, 3);
    assert.equal(victim.calls, 1, "the victim got one call and lost it");
    assert.equal(replicas[1]!.calls + replicas[2]!.calls, 3, "its call was redone on a live replica");
    // Afterwards every call goes to the live replicas.
    reset();
    for (let i = 0; i < 20; i++) await md.syncPrices({});
    const counts = replicas.map((r) => r.calls);
    assert.equal(counts[0], 0);
    assert.equal(counts[1]! + counts[2]!, 20, `calls per replica: ${counts}`);
    assert.ok(counts[1]! >= 5 && counts[2]! >= 5, `both live replicas share the load: ${counts}`);
  });

  it("fails with UNAVAILABLE (retried within the budget) when every replica is gone", async () => {
    const t = createGrpcLbTransport({ target: "ipv4:127.0.0.1:1,127.0.0.1:2" });
    try {
      const md = createServiceClient(MarketDataService, "grpc+lb://127.0.0.1:1,127.0.0.1:2", {
        retry: { baseDelayMs: 10, maxDelayMs: 20, budgetMs: 300 },
      });
      const err = await md.syncPrices({}).catch((e: unknown) => ConnectError.from(e));
      assert.ok(err instanceof ConnectError);
      assert.equal(err.code, Code.Unavailable);
      assert.match(err.rawMessage, /gave up after \d+ attempts/);
    } finally {
      t.close();
    }
  });
});
