import assert from "node:assert/strict";
import * as http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { startSystem, type System } from "@sigma/testing";
import { SignJWT } from "jose";

// Issue #7.3–7.5 over the real services: every bad input gets a clear error the caller can act on
// (a caller-side code, a message naming the field, never INTERNAL, never an echoed megabyte), and
// tokens that never expire or live too long are refused.
let system: System;

before(async () => {
  system = await startSystem({ logLevel: "warn" });
});
after(async () => {
  await system?.stop();
});

/** Codes that tell the caller what to fix. */
const CLEAR = new Set([
  Code.InvalidArgument,
  Code.NotFound,
  Code.FailedPrecondition,
  Code.ResourceExhausted,
  Code.Unauthenticated,
  Code.OutOfRange,
]);

async function expectClear(call: () => Promise<unknown>, want: Code, message: RegExp): Promise<void> {
  const err = await call().then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  assert.ok(err, "accepted, expected an error");
  assert.ok(CLEAR.has(err.code), `${Code[err.code]}: ${err.rawMessage}`);
  assert.equal(err.code, want, err.rawMessage);
  assert.match(err.rawMessage, message);
  assert.ok(err.rawMessage.length < 4100, `message of ${err.rawMessage.length} chars`);
}

/** A raw gRPC call to the coordinator with `body` as the request bytes; resolves to [status, message]. */
function rawGrpc(path: string, body: Buffer, token: string): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(system.urls.coordinator);
    session.on("error", reject);
    const req = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      authorization: `Bearer ${token}`,
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => {
      headers = h;
    });
    req.on("trailers", (t) => {
      trailers = t;
    });
    req.on("data", () => {});
    req.on("close", () => {
      session.destroy();
      resolve([
        String(trailers["grpc-status"] ?? headers["grpc-status"]),
        decodeURIComponent(String(trailers["grpc-message"] ?? headers["grpc-message"] ?? "")),
      ]);
    });
    req.end(body);
  });
}

const EMPTY_MESSAGE = Buffer.from([0, 0, 0, 0, 0]);
const LIST_RUNS = "/sigma.coordinator.v1.CoordinatorService/ListRuns";

describe("coordinator", () => {
  it("RunBatch with an unknown source enum value", () =>
    expectClear(
      () => system.clients.coordinator.runBatch({ source: 99 as never, dryRun: true }),
      Code.InvalidArgument,
      /source: unknown source 99/,
    ));
  it("RunBatch with an impossible date", () =>
    expectClear(
      () => system.clients.coordinator.runBatch({ forceRerun: true, startDate: "2020-13-45", endDate: "2020-01-23", dryRun: true }),
      Code.InvalidArgument,
      /start_date: not a YYYY-MM-DD date/,
    ));
  it("RunBatch with a garbage as_of", () =>
    expectClear(() => system.clients.coordinator.runBatch({ asOf: "garbage", dryRun: true }), Code.InvalidArgument, /as_of/));
  it("ListRuns with a negative limit", () =>
    expectClear(() => system.clients.coordinator.listRuns({ limit: -5 }), Code.InvalidArgument, /limit/));
  it("ListRuns with an unknown status enum value", () =>
    expectClear(() => system.clients.coordinator.listRuns({ runStatus: 99 as never }), Code.InvalidArgument, /status/));
  it("CancelRun without a run id", () =>
    expectClear(() => system.clients.coordinator.cancelRun({ runId: "" }), Code.InvalidArgument, /run_id/));
  it("a malformed protobuf body", async () => {
    const [status, message] = await rawGrpc(LIST_RUNS, Buffer.from([0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0xff, 0x0f]), system.adminToken);
    assert.equal(status, String(Code.InvalidArgument), message);
    assert.match(message, /^request body is not a valid protobuf message/);
  });
});

describe("auth", () => {
  const sign = (ttl?: string) => {
    const jwt = new SignJWT({ roles: ["user", "admin"] }).setProtectedHeader({ alg: "HS256" }).setSubject("e2e").setIssuedAt();
    if (ttl) jwt.setExpirationTime(ttl);
    return jwt.sign(new TextEncoder().encode(system.jwtSecret));
  };
  it("a token without exp is refused (it used to be admin forever)", async () => {
    assert.deepEqual(await rawGrpc(LIST_RUNS, EMPTY_MESSAGE, await sign()), [
      String(Code.Unauthenticated),
      "invalid token: missing exp claim (tokens must expire)",
    ]);
  });
  it("a token living 30 days is refused (maximum 24 h)", async () => {
    const [status, message] = await rawGrpc(LIST_RUNS, EMPTY_MESSAGE, await sign("30d"));
    assert.equal(status, String(Code.Unauthenticated));
    assert.match(message, /lifetime 2592000 s exceeds the maximum 86400 s/);
  });
  it("a 1-hour token with a lower-case scheme is accepted", async () => {
    const token = await sign("1h");
    const runs = await system.clients.coordinator.listRuns({}, { headers: { authorization: `bearer ${token}` } });
    assert.ok(Array.isArray(runs.runs));
  });
});

describe("market data", () => {
  it("AddSymbols with empty, spaced and 1 MB symbols lists each, bounded", () =>
    expectClear(
      () => system.clients.marketData.addSymbols({ symbols: ["", "A B", "Y".repeat(1_000_000)] }),
      Code.InvalidArgument,
      /^3 invalid symbol\(s\)\nsymbols\[0\]: .*\nsymbols\[1\]: .*\nsymbols\[2\]: .*… \(\d+ bytes\)$/s,
    ));
  it("a 20 MB request is refused before it is sent", () =>
    expectClear(
      () => system.clients.marketData.addSymbols({ symbols: ["X".repeat(20 * 1024 * 1024)] }),
      Code.ResourceExhausted,
      /writeMaxBytes 16777216/,
    ));
  it("the connection still works after it", async () => {
    assert.ok((await system.clients.marketData.listSymbols({})).symbols !== undefined);
  });
  it("GetPriceSeries with start after end", () =>
    expectClear(
      () => system.clients.marketData.getPriceSeries({ symbols: ["SPY"], startDate: "2020-01-23", endDate: "2020-01-02" }),
      Code.InvalidArgument,
      /start_date: after end_date/,
    ));
  it("GetPriceSeries without symbols", () =>
    expectClear(
      () => system.clients.marketData.getPriceSeries({ symbols: [], startDate: "2020-01-02", endDate: "2020-01-23" }),
      Code.InvalidArgument,
      /symbols/,
    ));
  it("SyncPrices with 2020-02-30", () =>
    expectClear(
      () => system.clients.marketData.syncPrices({ symbols: ["SPY"], startDate: "2020-02-30", endDate: "2020-01-02" }),
      Code.InvalidArgument,
      /2020-02-30/,
    ));
});

describe("factor", () => {
  it("GetSymbolFactors with an unknown factor enum value", () =>
    expectClear(
      () =>
        system.clients.factor.getSymbolFactors({
          symbols: ["SPY"],
          startDate: "2020-01-02",
          endDate: "2020-01-23",
          factors: [99 as never],
        }),
      Code.InvalidArgument,
      /factors\[0\]: unknown factor 99/,
    ));
  it("ComputeSymbolFactors with start after end", () =>
    expectClear(
      () => system.clients.factor.computeSymbolFactors({ symbols: ["SPY"], startDate: "2020-01-23", endDate: "2020-01-02" }),
      Code.InvalidArgument,
      /after end_date/,
    ));
  it("GetSymbolMetrics without symbols", () =>
    expectClear(
      () => system.clients.factor.getSymbolMetrics({ symbols: [], startDate: "2020-01-02", endDate: "2020-01-23" }),
      Code.InvalidArgument,
      /symbols/,
    ));
});

describe("status", () => {
  it("GetStatus without a target", () => expectClear(() => system.clients.status.getStatus({}), Code.InvalidArgument, /target/));
  it("GetActivityLog of an unknown run", () =>
    expectClear(
      () => system.clients.status.getActivityLog({ target: { target: { case: "runId", value: "00000000-0000-4000-8000-00000000abcd" } } }),
      Code.NotFound,
      /00000000-0000-4000-8000-00000000abcd/,
    ));
  it("GetActivityLog of a malformed run id", () =>
    expectClear(
      () => system.clients.status.getActivityLog({ target: { target: { case: "runId", value: "nope" } } }),
      Code.InvalidArgument,
      /nope/,
    ));
});
