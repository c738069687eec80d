/**
 * serve() over real sockets (port 0): Connect, gRPC (connect-node and @grpc/grpc-js clients),
 * gRPC-Web-capable HTTP/1.1 port, health, reflection v1/v1alpha (grpc-js and buf curl), auth,
 * retries against a dead port, and close() with streaming clients still connected.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import * as http2 from "node:http2";
import * as net from "node:net";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { MarketDataService, StatusService } from "@sigma/contracts";
import { Health, HealthCheckResponse_ServingStatus as S } from "@sigma/contracts/health";
import { issueToken } from "./auth.js";
import { createServiceClient } from "./client.js";
import { INTERNAL_MESSAGE } from "./errors.js";
import { serve, type RunningServer } from "./serve.js";
import { memoryLogger } from "./test-log.js";
import { fakeServices } from "./test-service.js";

const execFileP = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, "../../..");
const PROTO = path.join(REPO, "proto");
const THIRD_PARTY = path.join(REPO, "third_party/proto");
const BUF = path.join(REPO, "node_modules/.bin/buf");
const SECRET = "integration-test-secret-0123456789abcdef";

const loaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** Loads a service constructor from a .proto with proto-loader (what a non-Connect client does). */
function grpcService(file: string, servicePath: string): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(file, { ...loaderOptions, includeDirs: [PROTO, THIRD_PARTY] });
  let obj: unknown = grpc.loadPackageDefinition(def);
  for (const part of servicePath.split(".")) obj = (obj as Record<string, unknown>)[part];
  return obj as grpc.ServiceClientConstructor;
}

/** Calls a unary grpc-js method, resolving with { err, res } instead of rejecting. */
function grpcUnary(
  client: grpc.Client,
  method: string,
  req: object,
  metadata = new grpc.Metadata(),
): Promise<{ err: grpc.ServiceError | null; res: Record<string, unknown> | undefined }> {
  return new Promise((resolve) => {
    (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!.call(
      client,
      req,
      metadata,
      { deadline: Date.now() + 10_000 },
      (err: grpc.ServiceError | null, res: Record<string, unknown> | undefined) => resolve({ err, res }),
    );
  });
}

/** Asks a reflection service (v1 or v1alpha) for list_services through grpc-js. */
async function grpcListServices(addr: string, version: "v1" | "v1alpha"): Promise<string[]> {
  const Ctor = grpcService(
    path.join(THIRD_PARTY, `grpc/reflection/${version}/reflection.proto`),
    `grpc.reflection.${version}.ServerReflection`,
  );
  const client = new Ctor(addr, grpc.credentials.createInsecure());
  try {
    const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, any> }).ServerReflectionInfo();
    call.write({ host: "", list_services: "*" });
    call.end();
    const names: string[] = [];
    for await (const res of call) {
      assert.equal(res.message_response, "list_services_response");
      for (const s of res.list_services_response.service) names.push(s.name);
    }
    return names.sort();
  } finally {
    client.close();
  }
}

const EXPECTED_SERVICES = [
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
  "sigma.marketdata.v1.MarketDataService",
  "sigma.status.v1.StatusService",
];

describe("serve (jwt auth)", () => {
  let server: RunningServer;
  let addr: string;
  let userToken: string;
  let adminToken: string;
  const log = memoryLogger();

  before(async () => {
    server = await serve({
      name: "runtime-test",
      port: 0,
      httpPort: 0,
      services: fakeServices().services,
      logger: log.logger,
      auth: { mode: "jwt", secret: SECRET },
      extraHttpHandler: (req, res) => {
        if (req.url !== "/") return false;
        res.writeHead(200, { "content-type": "text/html" });
        res.end("<h1>status</h1>");
        return true;
      },
    });
    addr = `127.0.0.1:${server.port}`;
    userToken = await issueToken(SECRET, "alice", ["user"], "5m");
    adminToken = await issueToken(SECRET, "root", ["user", "admin"], "5m");
  });
  after(async () => {
    await server.close();
  });

  it("binds port 0 to real ports and answers a Connect client", async () => {
    assert.ok(server.port > 0);
    assert.ok(server.httpPort! > 0 && server.httpPort !== server.port);
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2" });
    const md = createClient(MarketDataService, transport);
    const res = await md.getProviderInfo({}, { headers: { authorization: `Bearer ${userToken}` } });
    assert.equal(res.description, "hello alice");
  });

  it("answers the runtime's gRPC client with token, and maps errors", async () => {
    const md = createServiceClient(MarketDataService, server.url, { token: userToken, retries: 0 });
    assert.equal((await md.getProviderInfo({})).kind, "fake");
    const series = await md.getPriceSeries({ symbols: ["KNOWN"] });
    assert.deepEqual(series.series[0]?.closes, [1.5]);
    await assert.rejects(md.getPriceSeries({ symbols: ["X"] }), (e: unknown) => ConnectError.from(e).code === Code.NotFound);
  });

  it("interoperates with a @grpc/grpc-js client, with the right status codes", async () => {
    const Ctor = grpcService(path.join(PROTO, "sigma/marketdata/v1/marketdata.proto"), "sigma.marketdata.v1.MarketDataService");
    const client = new Ctor(addr, grpc.credentials.createInsecure());
    try {
      const anon = await grpcUnary(client, "GetProviderInfo", {});
      assert.equal(anon.err?.code, grpc.status.UNAUTHENTICATED);

      const md = new grpc.Metadata();
      md.set("authorization", `Bearer ${userToken}`);
      const ok = await grpcUnary(client, "GetProviderInfo", {}, md);
      assert.equal(ok.err, null);
      assert.equal(ok.res?.description, "hello alice");

      const nf = await grpcUnary(client, "GetPriceSeries", { symbols: ["NOPE"] }, md);
      assert.equal(nf.err?.code, grpc.status.NOT_FOUND);
      // connect-es percent-encodes grpc-message with encodeURIComponent, grpc-js decodes it with
      // decodeURI, which leaves reserved characters such as ":" encoded.
      assert.equal(decodeURIComponent(nf.err?.details ?? ""), "unknown symbols: NOPE");

      const ia = await grpcUnary(client, "GetPriceSeries", { symbols: ["KNOWN"], start_date: "bad" }, md);
      assert.equal(ia.err?.code, grpc.status.INVALID_ARGUMENT);

      const internal = await grpcUnary(client, "ListSymbols", {}, md);
      assert.equal(internal.err?.code, grpc.status.INTERNAL);
      assert.equal(decodeURIComponent(internal.err?.details ?? ""), INTERNAL_MESSAGE);
      assert.doesNotMatch(internal.err?.details ?? "", /hunter2/);

      const denied = await grpcUnary(client, "AddSymbols", { symbols: ["A"] }, md);
      assert.equal(denied.err?.code, grpc.status.PERMISSION_DENIED);

      const adminMd = new grpc.Metadata();
      adminMd.set("authorization", `Bearer ${adminToken}`);
      const added = await grpcUnary(client, "AddSymbols", { symbols: ["A", "B"] }, adminMd);
      assert.equal(added.err, null);
      assert.equal(added.res?.added, 2);
    } finally {
      client.close();
    }
  });

  it("serves health Check (anonymous) to grpc-js, and Watch to a Connect client", async () => {
    const Ctor = grpcService(path.join(THIRD_PARTY, "grpc/health/v1/health.proto"), "grpc.health.v1.Health");
    const client = new Ctor(addr, grpc.credentials.createInsecure());
    try {
      const overall = await grpcUnary(client, "Check", { service: "" });
      assert.equal(overall.err, null);
      assert.equal(overall.res?.status, "SERVING");
      const unknown = await grpcUnary(client, "Check", { service: "nope" });
      assert.equal(unknown.err?.code, grpc.status.NOT_FOUND);
    } finally {
      client.close();
    }

    const health = createServiceClient(Health, server.url, { retries: 0 });
    const ac = new AbortController();
    const it = health.watch({ service: "sigma.status.v1.StatusService" }, { signal: ac.signal })[Symbol.asyncIterator]();
    assert.equal((await it.next()).value.status, S.SERVING);
    server.health.setStatus("sigma.status.v1.StatusService", S.NOT_SERVING);
    assert.equal((await it.next()).value.status, S.NOT_SERVING);
    server.health.setStatus("sigma.status.v1.StatusService", S.SERVING);
    assert.equal((await it.next()).value.status, S.SERVING);
    ac.abort();
  });

  it("lists services through grpc-js reflection clients, v1 and v1alpha", async () => {
    assert.deepEqual(await grpcListServices(addr, "v1"), EXPECTED_SERVICES);
    assert.deepEqual(await grpcListServices(addr, "v1alpha"), EXPECTED_SERVICES);
  });

  it("works with buf curl: --list-services, --list-methods and a call through reflection", async () => {
    const base = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];
    const list = await execFileP(BUF, [...base, "--list-services", server.url]);
    assert.deepEqual(list.stdout.trim().split("\n").sort(), EXPECTED_SERVICES);
    // --list-methods resolves every listed service's file (StatusService imports
    // google/protobuf/timestamp.proto, so dependencies are exercised too).
    const methods = await execFileP(BUF, [...base, "--list-methods", server.url]);
    assert.match(methods.stdout, /^sigma\.marketdata\.v1\.MarketDataService\/GetProviderInfo$/m);
    assert.match(methods.stdout, /^sigma\.status\.v1\.StatusService\/WatchStatus$/m);
    assert.match(methods.stdout, /^grpc\.health\.v1\.Health\/Watch$/m);
    const call = await execFileP(BUF, [
      ...base,
      "-H",
      `authorization: Bearer ${userToken}`,
      "-d",
      '{"symbols":["KNOWN"]}',
      `${server.url}/sigma.marketdata.v1.MarketDataService/GetPriceSeries`,
    ]);
    assert.deepEqual(JSON.parse(call.stdout).dates, ["2020-01-02"]);
    // Reflection v1alpha only (older servers/clients): buf curl speaks it when asked.
    const alpha = await execFileP(BUF, [...base, "--reflect-protocol", "grpc-v1alpha", "--list-services", server.url]);
    assert.deepEqual(alpha.stdout.trim().split("\n").sort(), EXPECTED_SERVICES);
  });

  it("serves the same handler over HTTP/1.1, plus the extra HTTP hook", async () => {
    const h1 = `http://127.0.0.1:${server.httpPort}`;
    const page = await fetch(`${h1}/`);
    assert.equal(page.status, 200);
    assert.equal(await page.text(), "<h1>status</h1>");
    assert.equal((await fetch(`${h1}/nope`)).status, 404);
    // Connect protocol with JSON over HTTP/1.1 (what curl or a browser would send).
    const res = await fetch(`${h1}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "SERVING" });
    // gRPC-Web over HTTP/1.1.
    const web = createClient(MarketDataService, createGrpcWebTransport({ baseUrl: h1, httpVersion: "1.1" }));
    const info = await web.getProviderInfo({}, { headers: { authorization: `Bearer ${userToken}` } });
    assert.equal(info.description, "hello alice");
  });

  it("logs one line per RPC with code and duration", () => {
    const rpcLines = log.lines.filter((l) => l.msg === "rpc" && String(l.rpc).startsWith("sigma.marketdata"));
    assert.ok(rpcLines.length >= 10);
    assert.ok(rpcLines.some((l) => l.code === "UNAUTHENTICATED"));
    assert.ok(rpcLines.every((l) => typeof l.durationMs === "number" && l.service === "test"));
  });
});

describe("serve (dev auth)", () => {
  it("treats every caller as the dev admin and warns loudly once", async () => {
    const log = memoryLogger();
    const server = await serve({ name: "dev", port: 0, services: fakeServices().services, logger: log.logger, auth: { mode: "dev" } });
    try {
      const md = createServiceClient(MarketDataService, server.url, { retries: 0 });
      assert.equal((await md.getProviderInfo({})).description, "hello dev");
      assert.equal((await md.addSymbols({ symbols: ["A"] })).added, 1);
    } finally {
      await server.close();
    }
    // The warning is logged once per process; this file may not be the first dev server, so
    // only check that when it was logged here it was a warning.
    for (const l of log.lines.filter((x) => /AUTHENTICATION DISABLED/.test(String(x.msg)))) assert.equal(l.level, "warn");
  });
});

describe("close()", () => {
  // The timeout only turns a hang (the bug under test) into a failure; it asserts no timing.
  it("returns while streaming clients are still connected", { timeout: 30_000 }, async () => {
    const log = memoryLogger();
    const server = await serve({
      name: "closing",
      port: 0,
      services: fakeServices().services,
      logger: log.logger,
      auth: { mode: "dev" },
      drainTimeoutMs: 200,
    });
    // A cooperative stream (health Watch ends on the handler signal) and a stream that ignores
    // its signal (must be cut off by destroying the session).
    const health = createServiceClient(Health, server.url, { retries: 0 });
    const status = createServiceClient(StatusService, server.url, { retries: 0 });
    const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
    const stuck = status.watchStatus({})[Symbol.asyncIterator]();
    assert.equal((await watch.next()).value.status, S.SERVING);
    assert.equal((await stuck.next()).value.seq, 1n);

    await server.close();
    await server.close(); // idempotent

    // Both client streams end (with an error or after NOT_SERVING) instead of hanging.
    const drain = async (it: AsyncIterator<unknown>) => {
      try {
        while (!(await it.next()).done);
      } catch {
        // Any error is fine here: the point is that the stream ended.
      }
    };
    await Promise.all([drain(watch), drain(stuck)]);
    assert.ok(
      log.lines.some((l) => /drain timeout/.test(String(l.msg))),
      "the stuck stream was destroyed",
    );
    // New connections are refused.
    const probe = net.connect(server.port, "127.0.0.1");
    const [err] = await once(probe, "error");
    assert.equal((err as NodeJS.ErrnoException).code, "ECONNREFUSED");
  });
});

describe("close() without stuck streams", () => {
  it("closes idle and finished connections without waiting for the drain timeout", { timeout: 30_000 }, async () => {
    const log = memoryLogger();
    const server = await serve({
      name: "closing-fast",
      port: 0,
      services: fakeServices().services,
      logger: log.logger,
      auth: { mode: "dev" },
      drainTimeoutMs: 600_000,
    });
    const md = createServiceClient(MarketDataService, server.url, { retries: 0 });
    await md.getProviderInfo({}); // leaves an idle HTTP/2 session behind
    const health = createServiceClient(Health, server.url, { retries: 0 });
    const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
    assert.equal((await watch.next()).value.status, S.SERVING);
    // With a 10-minute drain timeout, this only returns if no connection needed the timeout.
    await server.close();
    assert.ok(!log.lines.some((l) => /drain timeout/.test(String(l.msg))));
    const rest: number[] = [];
    for await (const m of { [Symbol.asyncIterator]: () => watch }) rest.push(m.status);
    assert.deepEqual(rest, [S.NOT_SERVING]);
  });
});

describe("client retries over a real socket", () => {
  it("retries a refused connection (dead port) up to the configured number of retries", async () => {
    // Bind and release a port so that nothing listens there.
    const tmp = net.createServer().listen(0, "127.0.0.1");
    await once(tmp, "listening");
    const port = (tmp.address() as net.AddressInfo).port;
    await new Promise((r) => tmp.close(r));

    const attempts: number[] = [];
    const md = createServiceClient(MarketDataService, `http://127.0.0.1:${port}`, {
      retries: 3,
      timeoutMs: 10_000,
      retry: { baseDelayMs: 1, maxDelayMs: 5, onRetry: (i) => attempts.push(i.attempt) },
    });
    await assert.rejects(md.getProviderInfo({}), (e: unknown) => ConnectError.from(e).code === Code.Unavailable);
    assert.deepEqual(attempts, [1, 2, 3]);
  });

  it("retries a call whose server died under it (CANCELED, not the caller's doing) until the restarted server answers", {
    timeout: 30_000,
  }, async () => {
    // A "server" that dies as soon as the call arrives, then a real one on the same port.
    const dying = http2.createServer();
    dying.on("stream", () => {
      dying.close();
      for (const s of dyingSockets) s.destroy();
    });
    const dyingSockets = new Set<net.Socket>();
    dying.on("connection", (s: net.Socket) => dyingSockets.add(s));
    dying.listen(0, "127.0.0.1");
    await once(dying, "listening");
    const port = (dying.address() as net.AddressInfo).port;
    let restarted: RunningServer | undefined;
    dying.once("close", () => {
      void serve({ name: "restarted", port, services: fakeServices().services, logger: memoryLogger().logger, auth: { mode: "dev" } }).then(
        (s) => {
          restarted = s;
        },
      );
    });
    const codes: string[] = [];
    const md = createServiceClient(MarketDataService, `http://127.0.0.1:${port}`, {
      retry: { baseDelayMs: 20, maxDelayMs: 100, budgetMs: 20_000, onRetry: (i) => codes.push(Code[i.error.code]) },
    });
    try {
      const res = await md.getProviderInfo({});
      assert.equal(res.kind, "fake");
      assert.equal(codes[0], "Canceled", codes.join());
    } finally {
      await restarted?.close();
    }
  });

  it("logs each retry at warn when given a logger, and names the attempts in the final error", async () => {
    const tmp = net.createServer().listen(0, "127.0.0.1");
    await once(tmp, "listening");
    const port = (tmp.address() as net.AddressInfo).port;
    await new Promise((r) => tmp.close(r));
    const { logger, lines } = memoryLogger();
    const md = createServiceClient(MarketDataService, `http://127.0.0.1:${port}`, {
      retries: 2,
      logger,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    const err = await md.getProviderInfo({}).catch((e: unknown) => ConnectError.from(e));
    assert.ok(err instanceof ConnectError);
    assert.match(err.rawMessage, /ECONNREFUSED.*\(gave up after 3 attempts over \d+\.\d s\)$/);
    const warns = lines.filter((l) => l.msg === "rpc failed (transport), retrying");
    assert.deepEqual(
      warns.map((l) => [l.rpc, l.attempt, l.code]),
      [
        ["sigma.marketdata.v1.MarketDataService/GetProviderInfo", 1, "UNAVAILABLE"],
        ["sigma.marketdata.v1.MarketDataService/GetProviderInfo", 2, "UNAVAILABLE"],
      ],
    );
  });
});

/** What a raw HTTP/2 exchange returned. */
interface RawResponse {
  status: number;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: string;
  /** Request body bytes written when the response ended. */
  sentWhenAnswered: number;
  /** Whether the client had ended the request body (END_STREAM) when the response ended. */
  requestEnded: boolean;
}

/**
 * Sends `chunks` as the request body, ending the request only when `end` is true, and resolves
 * when the server's response is complete (which, for a refused oversized body, happens while the
 * client is still "sending").
 */
function rawRequest(url: string, headers: http2.OutgoingHttpHeaders, chunks: readonly Buffer[], end: boolean): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ...headers });
    let sent = 0;
    let ended = false;
    const out: RawResponse = { status: 0, headers: {}, trailers: {}, body: "", sentWhenAnswered: 0, requestEnded: false };
    stream.on("response", (h) => {
      out.status = Number(h[":status"]);
      out.headers = h;
    });
    stream.on("trailers", (t) => {
      out.trailers = t;
    });
    stream.on("data", (d: Buffer) => {
      out.body += d.toString("utf8");
    });
    const done = (): void => {
      out.sentWhenAnswered = sent;
      out.requestEnded = ended;
      session.destroy();
      resolve(out);
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", () => {}); // a reset after the answer is expected for a refused upload
    for (const c of chunks) {
      sent += c.byteLength;
      stream.write(c);
    }
    if (end) {
      ended = true;
      stream.end();
    }
  });
}

/** A gRPC length-prefixed message header declaring `length` bytes. */
function envelopeHeader(length: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(length, 1);
  return b;
}

describe("request limits and malformed bodies (raw HTTP/2)", () => {
  let server: RunningServer;
  const log = memoryLogger();
  const MAX = 1024 * 1024;
  const path = "/sigma.marketdata.v1.MarketDataService/AddSymbols";

  before(async () => {
    server = await serve({
      name: "limits-test",
      port: 0,
      services: fakeServices().services,
      logger: log.logger,
      auth: { mode: "jwt", secret: SECRET },
      maxRequestBytes: MAX,
    });
  });
  after(async () => {
    await server.close();
  });

  it("refuses an oversized anonymous gRPC request with RESOURCE_EXHAUSTED from its declared size, before auth and before the body is sent", {
    timeout: 15_000,
  }, async () => {
    // Declares 100 MiB, sends 256 KiB of it and never finishes: the answer must not wait for the rest.
    const res = await rawRequest(
      server.url,
      { ":path": path, "content-type": "application/grpc", te: "trailers" },
      [envelopeHeader(100 * 1024 * 1024), Buffer.alloc(256 * 1024, 0x41)],
      false,
    );
    const status = res.trailers["grpc-status"] ?? res.headers["grpc-status"];
    const message = decodeURIComponent(String(res.trailers["grpc-message"] ?? res.headers["grpc-message"]));
    assert.equal(status, String(Code.ResourceExhausted), message);
    assert.match(message, /message size 104857600 is larger than configured readMaxBytes 1048576/);
    assert.equal(res.requestEnded, false, "answered while the request body was still incomplete");
    assert.ok(res.sentWhenAnswered < 1024 * 1024);
    assert.ok(log.lines.some((l) => l.msg === "rpc" && l.code === "RESOURCE_EXHAUSTED" && l.rpc === path.slice(1)));
  });

  it("refuses an oversized Connect request by its Content-Length before reading it", { timeout: 15_000 }, async () => {
    const res = await rawRequest(
      server.url,
      { ":path": path, "content-type": "application/proto", "content-length": String(100 * 1024 * 1024) },
      [Buffer.alloc(64 * 1024, 0x41)],
      false,
    );
    assert.equal(JSON.parse(res.body).code, "resource_exhausted", res.body);
    assert.equal(res.requestEnded, false);
  });

  it("answers a malformed protobuf body with INVALID_ARGUMENT (connect-node says INTERNAL), over gRPC and Connect", async () => {
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]);
    const grpcRes = await rawRequest(
      server.url,
      { ":path": path, "content-type": "application/grpc", te: "trailers" },
      [envelopeHeader(garbage.length), garbage],
      true,
    );
    const status = grpcRes.trailers["grpc-status"] ?? grpcRes.headers["grpc-status"];
    const message = decodeURIComponent(String(grpcRes.trailers["grpc-message"] ?? grpcRes.headers["grpc-message"]));
    assert.equal(status, String(Code.InvalidArgument), message);
    assert.match(message, /^request body is not a valid protobuf message: /);

    const connectRes = await rawRequest(server.url, { ":path": path, "content-type": "application/proto" }, [garbage], true);
    assert.equal(connectRes.status, 400);
    assert.equal(JSON.parse(connectRes.body).code, "invalid_argument");
    assert.ok(log.lines.some((l) => l.msg === "rpc" && l.code === "INVALID_ARGUMENT" && l.rpc === path.slice(1)));
  });

  it("a runtime client gets RESOURCE_EXHAUSTED for a 12 MB request and its connection keeps working", async () => {
    const token = await issueToken(SECRET, "root", ["user", "admin"], "5m");
    // The client's own limit (16 MiB default) lets 12 MB through; the server's 1 MiB refuses it.
    const md = createServiceClient(MarketDataService, server.url, { token, retries: 0 });
    const err = await md.addSymbols({ symbols: ["Y".repeat(12_000_000)] }).catch((e: unknown) => ConnectError.from(e));
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.ResourceExhausted, err.rawMessage);
    assert.match(err.rawMessage, /larger than configured readMaxBytes 1048576/);
    // Before the client reserved session memory, Node dropped the whole connection here
    // (NGHTTP2_ENHANCE_YOUR_CALM) and this call failed too.
    assert.equal((await md.addSymbols({ symbols: ["AAPL"] })).added, 1);
  });

  it("a runtime client refuses to send a request over its own limit", async () => {
    const md = createServiceClient(MarketDataService, server.url, { retries: 0, maxRequestBytes: MAX });
    const err = await md.addSymbols({ symbols: ["Y".repeat(2 * MAX)] }).catch((e: unknown) => ConnectError.from(e));
    assert.ok(err instanceof ConnectError);
    assert.equal(err.code, Code.ResourceExhausted);
    assert.match(err.rawMessage, /larger than configured writeMaxBytes 1048576/);
  });

  it("still serves requests under the limit", async () => {
    const token = await issueToken(SECRET, "root", ["user", "admin"], "5m");
    const md = createServiceClient(MarketDataService, server.url, { token, retries: 0 });
    const symbols = Array.from({ length: 10_000 }, (_, i) => `S${i}`); // ~70 KB
    assert.equal((await md.addSymbols({ symbols })).added, 10_000);
  });
});
