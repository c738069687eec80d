/**
 * Run id and phase across services: a caller's correlation travels as headers through every
 * client made by createServiceClient, lands on the callee's per-RPC logger, and is forwarded again
 * by the callee's own outgoing calls (two services over loopback, in process).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MarketDataService } from "@sigma/contracts";
import { createServiceClient } from "./client.js";
import { currentCorrelation, loggerKey, withCorrelation } from "./context.js";
import { defineService, type RunningServer, serve } from "./serve.js";
import { memoryLogger } from "./test-log.js";

const logA = memoryLogger("info");
const logB = memoryLogger("info");
let a: RunningServer;
let b: RunningServer;

before(async () => {
  // B: the downstream service; its handler logs through the per-RPC logger.
  b = await serve({
    name: "b",
    port: 0,
    host: "127.0.0.1",
    logger: logB.logger,
    auth: { mode: "dev" },
    services: [
      defineService(MarketDataService, {
        getProviderInfo(_req, ctx) {
          ctx.values.get(loggerKey).info("handled in b");
          return { kind: "b" };
        },
      }),
    ],
  });
  const toB = createServiceClient(MarketDataService, b.url, { retries: 0 });
  // A: calls B from inside its handler without passing any id along explicitly.
  a = await serve({
    name: "a",
    port: 0,
    host: "127.0.0.1",
    logger: logA.logger,
    auth: { mode: "dev" },
    services: [
      defineService(MarketDataService, {
        async getProviderInfo(_req, ctx) {
          ctx.values.get(loggerKey).info("handled in a");
          return { kind: `a+${(await toB.getProviderInfo({})).kind}` };
        },
      }),
    ],
  });
});

after(async () => {
  await a.close();
  await b.close();
});

const line = (lines: Array<Record<string, unknown>>, msg: string) => lines.filter((l) => l.msg === msg).at(-1);

test("the caller's run id and phase reach the log lines of both services, through two hops", async () => {
  const client = createServiceClient(MarketDataService, a.url, { retries: 0 });
  const res = await withCorrelation({ runId: "run-42", phase: "MARKET_DATA" }, () => client.getProviderInfo({}));
  assert.equal(res.kind, "a+b");
  for (const [lines, msg] of [
    [logA.lines, "handled in a"],
    [logB.lines, "handled in b"],
  ] as const) {
    const l = line(lines, msg);
    assert.equal(l?.runId, "run-42", JSON.stringify(lines));
    assert.equal(l?.phase, "MARKET_DATA");
    assert.equal(l?.rpc, "sigma.marketdata.v1.MarketDataService/GetProviderInfo");
  }
  // The one line per call written by the error boundary carries them too.
  const rpcLine = logB.lines.filter((l) => l.msg === "rpc").at(-1);
  assert.equal(rpcLine?.runId, "run-42");
});

test("a call made outside any correlation carries none", async () => {
  const client = createServiceClient(MarketDataService, a.url, { retries: 0 });
  await client.getProviderInfo({});
  const l = line(logB.lines, "handled in b");
  assert.equal(l?.runId, undefined);
  assert.equal(l?.phase, undefined);
});

test("withCorrelation merges over the outer value and ends with its callback", () => {
  withCorrelation({ runId: "r1", phase: "P1" }, () => {
    withCorrelation({ phase: "P2" }, () => assert.deepEqual(currentCorrelation(), { runId: "r1", phase: "P2" }));
    assert.deepEqual(currentCorrelation(), { runId: "r1", phase: "P1" });
  });
  assert.deepEqual(currentCorrelation(), {});
});
