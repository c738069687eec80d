/**
 * Handler-level tests through createRouterTransport (no sockets): error mapping and the RPC log
 * line, auth, health, reflection and the client retry policy.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { MarketDataService } from "@sigma/contracts";
import { SignJWT } from "jose";
import { Health, HealthCheckResponse_ServingStatus as S } from "@sigma/contracts/health";
import * as v1 from "@sigma/contracts/reflection-v1";
import { issueToken, type AuthConfig } from "./auth.js";
import { bearerInterceptor, classifyTransportFailure, withRetries } from "./client.js";
import { existingIdOf, INTERNAL_MESSAGE } from "./errors.js";
import { createHealth } from "./health.js";
import { createRoutes, createServerInterceptors } from "./serve.js";
import { memoryLogger } from "./test-log.js";
import { fakeServices, LEAKY_DETAIL } from "./test-service.js";

const SECRET = "0123456789abcdef0123456789abcdef-test";

function setup(auth: AuthConfig = { mode: "dev" }, clientInterceptors: Interceptor[] = [], unavailableTimes = 0) {
  const { logger, lines } = memoryLogger();
  const fake = fakeServices(unavailableTimes);
  const health = createHealth(fake.services.map((s) => s.service.typeName));
  const transport = createRouterTransport(createRoutes({ services: fake.services, health }), {
    router: { interceptors: createServerInterceptors(logger, auth) },
    transport: { interceptors: clientInterceptors },
  });
  return { transport, lines, health, counters: fake.counters };
}

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  assert.fail("expected the call to fail");
}

describe("errorInterceptor", () => {
  it("maps domain errors and logs one line per RPC", async () => {
    const { transport, lines } = setup();
    const md = createClient(MarketDataService, transport);
    const ok = await md.getProviderInfo({});
    assert.equal(ok.description, "hello dev");
    const nf = await rejection(md.getPriceSeries({ symbols: ["NOPE"] }));
    assert.equal(nf.code, Code.NotFound);
    assert.equal(nf.rawMessage, "unknown symbols: NOPE");
    const ia = await rejection(md.getPriceSeries({ symbols: ["KNOWN"], startDate: "bad" }));
    assert.equal(ia.code, Code.InvalidArgument);
    assert.match(ia.rawMessage, /start_date: not a date/);

    const rpcLines = lines.filter((l) => l.msg === "rpc");
    assert.deepEqual(
      rpcLines.map((l) => [l.rpc, l.code, l.sub]),
      [
        ["sigma.marketdata.v1.MarketDataService/GetProviderInfo", "OK", "dev"],
        ["sigma.marketdata.v1.MarketDataService/GetPriceSeries", "NOT_FOUND", "dev"],
        ["sigma.marketdata.v1.MarketDataService/GetPriceSeries", "INVALID_ARGUMENT", "dev"],
      ],
    );
    for (const l of rpcLines) {
      assert.equal(typeof l.durationMs, "number");
      assert.equal(l.service, "test");
    }
  });

  it("turns unexpected errors into a generic INTERNAL and logs the cause server-side only", async () => {
    const { transport, lines } = setup();
    const md = createClient(MarketDataService, transport);
    const err = await rejection(md.listSymbols({}));
    assert.equal(err.code, Code.Internal);
    assert.equal(err.rawMessage, INTERNAL_MESSAGE);
    assert.doesNotMatch(JSON.stringify(err), /hunter2/);
    const line = lines.find((l) => l.msg === "rpc" && l.code === "INTERNAL");
    assert.ok(line);
    assert.equal(line.level, "error");
    assert.match(JSON.stringify(line.err), /hunter2/);
    assert.ok(LEAKY_DETAIL.includes("hunter2"));
  });

  it("never echoes an oversized request value in full, neither to the caller nor into the log", async () => {
    const { transport, lines } = setup();
    const huge = "X".repeat(5_000_000);
    const err = await rejection(
      createClient(MarketDataService, transport).getPriceSeries({ symbols: [huge] }, { headers: { "sigma-run-id": huge.slice(0, 6000) } }),
    );
    assert.equal(err.code, Code.NotFound);
    assert.ok(err.rawMessage.length < 4100, String(err.rawMessage.length));
    assert.match(err.rawMessage, /^unknown symbols: XXXX.*… \(5000017 bytes\)$/);
    const line = lines.find((l) => l.msg === "rpc" && l.code === "NOT_FOUND");
    assert.ok(line);
    assert.ok(JSON.stringify(line).length < 5000, `log line of ${JSON.stringify(line).length} chars`);
    assert.match(String(line.runId), /… \(6000 bytes\)$/);
  });

  it("binds correlation headers to the RPC log line", async () => {
    const { transport, lines } = setup();
    const md = createClient(MarketDataService, transport);
    await md.getProviderInfo({}, { headers: { "sigma-run-id": "run-7", "sigma-phase": "factor" } });
    const line = lines.find((l) => l.msg === "rpc");
    assert.equal(line?.runId, "run-7");
    assert.equal(line?.phase, "factor");
  });
});

describe("authInterceptor", () => {
  const jwt: AuthConfig = { mode: "jwt", secret: SECRET };

  it("rejects calls without a token as UNAUTHENTICATED, and logs them", async () => {
    const { transport, lines } = setup(jwt);
    const err = await rejection(createClient(MarketDataService, transport).getProviderInfo({}));
    assert.equal(err.code, Code.Unauthenticated);
    assert.equal(lines.find((l) => l.msg === "rpc")?.code, "UNAUTHENTICATED");
  });

  it("rejects a token signed with another secret, an expired token and a non-bearer header", async () => {
    const other = await issueToken("another-secret-another-secret-000", "u1", ["user"], 60);
    const expired = await issueToken(SECRET, "u1", ["user"], -10);
    for (const [header, msg] of [
      [`Bearer ${other}`, /invalid token/],
      [`Bearer ${expired}`, /token expired/],
      ["Basic dTpw", /not a bearer token/],
    ] as const) {
      const { transport } = setup(jwt);
      const err = await rejection(createClient(MarketDataService, transport).getProviderInfo({}, { headers: { authorization: header } }));
      assert.equal(err.code, Code.Unauthenticated);
      assert.match(err.rawMessage, msg);
    }
  });

  it("accepts a valid token, and denies admin RPCs to plain users", async () => {
    const user = await issueToken(SECRET, "alice", ["user"], "5m");
    const { transport, counters } = setup(jwt, [bearerInterceptor(user)]);
    const md = createClient(MarketDataService, transport);
    assert.equal((await md.getProviderInfo({})).description, "hello alice");
    const err = await rejection(md.addSymbols({ symbols: ["AAPL"] }));
    assert.equal(err.code, Code.PermissionDenied);
    assert.equal(counters.addSymbols, 0);

    const admin = await issueToken(SECRET, "root", ["user", "admin"], 60);
    const res = await createClient(MarketDataService, setup(jwt, [bearerInterceptor(admin)]).transport).addSymbols({
      symbols: ["AAPL"],
    });
    assert.equal(res.added, 1);
  });

  it("rejects a token without exp (it would never expire), and one without iat", async () => {
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({ roles: ["user", "admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("root")
      .setIssuedAt()
      .sign(key);
    const noIat = await new SignJWT({ roles: ["user", "admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("root")
      .setExpirationTime("5m")
      .sign(key);
    for (const [token, claim] of [
      [noExp, "exp"],
      [noIat, "iat"],
    ] as const) {
      const { transport, counters } = setup(jwt, [bearerInterceptor(token)]);
      const err = await rejection(createClient(MarketDataService, transport).addSymbols({ symbols: ["AAPL"] }));
      assert.equal(err.code, Code.Unauthenticated);
      assert.equal(err.rawMessage, `invalid token: missing ${claim} claim (tokens must expire)`);
      assert.equal(counters.addSymbols, 0);
    }
  });

  it("rejects a token whose lifetime exceeds the configured maximum", async () => {
    const twoDays = await issueToken(SECRET, "root", ["user", "admin"], "48h");
    const err = await rejection(createClient(MarketDataService, setup(jwt, [bearerInterceptor(twoDays)]).transport).getProviderInfo({}));
    assert.equal(err.code, Code.Unauthenticated);
    assert.match(err.rawMessage, /lifetime 172800 s exceeds the maximum 86400 s/);
    // The limit is configurable: a one-hour maximum refuses a two-hour token, accepts a 30-minute one.
    const short = { ...jwt, maxTtlSeconds: 3600 };
    const twoHours = await issueToken(SECRET, "root", ["user"], "2h");
    assert.equal(
      (await rejection(createClient(MarketDataService, setup(short, [bearerInterceptor(twoHours)]).transport).getProviderInfo({}))).code,
      Code.Unauthenticated,
    );
    const halfHour = await issueToken(SECRET, "bob", ["user"], "30m");
    assert.equal(
      (await createClient(MarketDataService, setup(short, [bearerInterceptor(halfHour)]).transport).getProviderInfo({})).description,
      "hello bob",
    );
  });

  it("accepts the Bearer scheme in any letter case", async () => {
    const token = await issueToken(SECRET, "carol", ["user"], "5m");
    for (const scheme of ["Bearer", "bearer", "BEARER", "bEaReR"]) {
      const { transport } = setup(jwt);
      const res = await createClient(MarketDataService, transport).getProviderInfo(
        {},
        { headers: { authorization: `${scheme} ${token}` } },
      );
      assert.equal(res.description, "hello carol", scheme);
    }
  });

  it("keeps health and reflection anonymous", async () => {
    const { transport } = setup(jwt);
    const res = await createClient(Health, transport).check({ service: "" });
    assert.equal(res.status, S.SERVING);
  });

  it("refuses short secrets", async () => {
    await assert.rejects(issueToken("short", "u"), /at least 32 bytes/);
    assert.throws(() => setup({ mode: "jwt", secret: "short" }), /at least 32 bytes/);
  });
});

describe("health", () => {
  it("answers Check, NOT_FOUND for unknown names, and List", async () => {
    const { transport, health } = setup();
    const client = createClient(Health, transport);
    assert.equal((await client.check({ service: "sigma.marketdata.v1.MarketDataService" })).status, S.SERVING);
    const err = await rejection(client.check({ service: "nope.Service" }));
    assert.equal(err.code, Code.NotFound);
    health.setStatus("sigma.marketdata.v1.MarketDataService", S.NOT_SERVING);
    const list = await client.list({});
    assert.deepEqual(Object.keys(list.statuses).sort(), ["", "sigma.marketdata.v1.MarketDataService", "sigma.status.v1.StatusService"]);
    assert.equal(list.statuses["sigma.marketdata.v1.MarketDataService"]?.status, S.NOT_SERVING);
  });

  it("Watch sends the current status, then changes, and ends on abort", async () => {
    const { transport, health } = setup();
    const ac = new AbortController();
    const seen: S[] = [];
    const it = createClient(Health, transport).watch({ service: "" }, { signal: ac.signal })[Symbol.asyncIterator]();
    seen.push((await it.next()).value.status);
    health.setStatus("", S.SERVING); // no change: no message
    health.setStatus("other", S.NOT_SERVING); // another name: no message
    health.setStatus("", S.NOT_SERVING);
    seen.push((await it.next()).value.status);
    health.setStatus("", S.SERVING);
    seen.push((await it.next()).value.status);
    assert.deepEqual(seen, [S.SERVING, S.NOT_SERVING, S.SERVING]);
    ac.abort();
    await assert.rejects(it.next(), (e: unknown) => ConnectError.from(e).code === Code.Canceled);
  });

  it("Watch reports SERVICE_UNKNOWN for an unknown name without ending, then the status once known", async () => {
    const { transport, health } = setup();
    const ac = new AbortController();
    const it = createClient(Health, transport).watch({ service: "late" }, { signal: ac.signal })[Symbol.asyncIterator]();
    assert.equal((await it.next()).value.status, S.SERVICE_UNKNOWN);
    health.setStatus("late", S.SERVING);
    assert.equal((await it.next()).value.status, S.SERVING);
    ac.abort();
  });
});

describe("reflection (in memory)", () => {
  async function ask(requests: v1.ServerReflectionRequest[]): Promise<v1.ServerReflectionResponse[]> {
    const { transport } = setup({ mode: "jwt", secret: SECRET });
    const out: v1.ServerReflectionResponse[] = [];
    async function* reqs() {
      yield* requests;
    }
    for await (const r of createClient(v1.ServerReflection, transport).serverReflectionInfo(reqs())) out.push(r);
    return out;
  }
  const req = (messageRequest: v1.ServerReflectionRequest["messageRequest"]) =>
    create(v1.ServerReflectionRequestSchema, { host: "h", messageRequest });

  it("lists the served services plus health and reflection", async () => {
    const [res] = await ask([req({ case: "listServices", value: "*" })]);
    assert.equal(res?.messageResponse.case, "listServicesResponse");
    const names = res.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    assert.deepEqual(names, [
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "sigma.marketdata.v1.MarketDataService",
      "sigma.status.v1.StatusService",
    ]);
    assert.equal(res.validHost, "h");
  });

  it("finds files by symbol (service, method, message, nested enum) with their dependencies", async () => {
    const symbols = [
      "sigma.marketdata.v1.MarketDataService",
      "sigma.marketdata.v1.MarketDataService.GetProviderInfo",
      "sigma.marketdata.v1.PriceSeries",
      ".sigma.marketdata.v1.SymbolStatus",
      "grpc.health.v1.HealthCheckResponse.ServingStatus",
    ];
    const res = await ask(symbols.map((s) => req({ case: "fileContainingSymbol", value: s })));
    const firstFile = (r: v1.ServerReflectionResponse | undefined) => {
      assert.equal(r?.messageResponse.case, "fileDescriptorResponse");
      const files = r.messageResponse.case === "fileDescriptorResponse" ? r.messageResponse.value.fileDescriptorProto : [];
      return files.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
    };
    assert.deepEqual(firstFile(res[0]), ["sigma/marketdata/v1/marketdata.proto", "sigma/common/v1/common.proto"]);
    assert.equal(firstFile(res[1])[0], "sigma/marketdata/v1/marketdata.proto");
    assert.equal(firstFile(res[2])[0], "sigma/marketdata/v1/marketdata.proto");
    assert.equal(firstFile(res[3])[0], "sigma/marketdata/v1/marketdata.proto");
    assert.deepEqual(firstFile(res[4]), ["grpc/health/v1/health.proto"]);
  });

  it("serves transitive dependencies by file name, and NOT_FOUND for unknowns", async () => {
    const res = await ask([
      req({ case: "fileByFilename", value: "sigma/status/v1/status.proto" }),
      req({ case: "fileByFilename", value: "nope.proto" }),
      req({ case: "fileContainingSymbol", value: "sigma.Nope" }),
    ]);
    const files =
      res[0]?.messageResponse.case === "fileDescriptorResponse"
        ? res[0].messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name)
        : [];
    assert.equal(files[0], "sigma/status/v1/status.proto");
    assert.ok(files.includes("google/protobuf/timestamp.proto"), files.join());
    assert.ok(files.includes("sigma/common/v1/common.proto"));
    for (const r of res.slice(1)) {
      assert.equal(r.messageResponse.case, "errorResponse");
      if (r.messageResponse.case === "errorResponse") assert.equal(r.messageResponse.value.errorCode, Code.NotFound);
    }
  });
});

describe("withRetries", () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2, budgetMs: 5_000 };

  it("retries UNAVAILABLE until success, counting attempts", async () => {
    const retries: number[] = [];
    const { transport, counters } = setup({ mode: "dev" }, [], 2);
    await createClient(MarketDataService, withRetries(transport, { ...fast, onRetry: (i) => retries.push(i.attempt) })).syncPrices({});
    assert.equal(counters.syncPrices, 3);
    assert.deepEqual(retries, [1, 2]);
  });

  it("gives up when the budget is spent, keeping the code and naming the attempts", async () => {
    const { transport, counters } = setup({ mode: "dev" }, [], 1_000_000);
    let t = 0;
    // A fake clock that advances 10 ms per reading: the 50 ms budget ends after a few attempts.
    const err = await rejection(
      createClient(MarketDataService, withRetries(transport, { ...fast, budgetMs: 50, now: () => (t += 10) })).syncPrices({}),
    );
    assert.equal(err.code, Code.Unavailable);
    assert.ok(counters.syncPrices > 1 && counters.syncPrices < 10, String(counters.syncPrices));
    assert.match(err.rawMessage, new RegExp(`^provider down \\(gave up after ${counters.syncPrices} attempts over`));
  });

  it("gives up after maxRetries", async () => {
    const { transport, counters } = setup({ mode: "dev" }, [], 10);
    const err = await rejection(createClient(MarketDataService, withRetries(transport, { ...fast, maxRetries: 2 })).syncPrices({}));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(counters.syncPrices, 3);
  });

  it("never retries other codes", async () => {
    let attempts = 0;
    const counting: Interceptor = (next) => (req) => {
      attempts++;
      return next(req);
    };
    const { transport } = setup({ mode: "dev" }, [counting]);
    const err = await rejection(createClient(MarketDataService, withRetries(transport, fast)).getPriceSeries({ startDate: "bad" }));
    assert.equal(err.code, Code.InvalidArgument);
    assert.equal(attempts, 1);
  });

  it("does not repeat a non-idempotent call that may have reached the server", async () => {
    const { transport, counters } = setup({ mode: "dev" }, [], 1);
    const nonIdempotent = new Set(["sigma.marketdata.v1.MarketDataService/SyncPrices"]);
    const err = await rejection(createClient(MarketDataService, withRetries(transport, { ...fast, nonIdempotent })).syncPrices({}));
    assert.equal(err.code, Code.Unavailable);
    assert.equal(counters.syncPrices, 1);
  });
});

describe("classifyTransportFailure", () => {
  const refused = new ConnectError(
    "connect ECONNREFUSED 127.0.0.1:1",
    Code.Unavailable,
    undefined,
    undefined,
    Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
  );
  const peerDied = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
  const reset = new ConnectError(
    "read ECONNRESET",
    Code.Internal,
    undefined,
    undefined,
    Object.assign(new Error("x"), { code: "ECONNRESET" }),
  );

  it("tells a request that never left from one that may have reached the server", () => {
    assert.equal(classifyTransportFailure(refused, false), "not-sent");
    assert.equal(classifyTransportFailure(peerDied, false), "maybe-sent");
    assert.equal(classifyTransportFailure(reset, false), "maybe-sent");
    assert.equal(classifyTransportFailure(new ConnectError("server shutting down", Code.Unavailable), false), "maybe-sent");
  });

  it("treats the caller's own abort, deadlines and server answers as final", () => {
    assert.equal(classifyTransportFailure(peerDied, true), "none");
    assert.equal(classifyTransportFailure(new ConnectError("the operation timed out", Code.DeadlineExceeded), false), "none");
    assert.equal(classifyTransportFailure(new ConnectError(INTERNAL_MESSAGE, Code.Internal), false), "none");
    assert.equal(classifyTransportFailure(new ConnectError("cancelled by user", Code.Canceled), false), "none");
  });
});

describe("existingIdOf over the wire", () => {
  it("is undefined for other codes", async () => {
    const { transport } = setup();
    const err = await rejection(createClient(MarketDataService, transport).getPriceSeries({ symbols: ["X"] }));
    assert.equal(existingIdOf(err), undefined);
  });
});
