import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { MarketDataService } from "@sigma/contracts";
import { Health, HealthCheckResponse_ServingStatus as S } from "@sigma/contracts/health";
import { backoffDelayMs, createServiceClient, withUnaryDeadline } from "./client.js";

describe("backoffDelayMs", () => {
  it("doubles the cap per attempt, up to the maximum", () => {
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, 100, 2000, top)),
      [99, 199, 399, 799, 1599, 1999],
    );
  });

  it("applies full jitter in [0, cap)", () => {
    assert.equal(
      backoffDelayMs(3, 100, 2000, () => 0),
      0,
    );
    assert.equal(
      backoffDelayMs(3, 100, 2000, () => 0.5),
      200,
    );
    for (let i = 0; i < 100; i++) {
      const d = backoffDelayMs(4, 100, 2000);
      assert.ok(d >= 0 && d < 800, String(d));
    }
  });
});

describe("createServiceClient", () => {
  it("rejects non-http URLs", () => {
    assert.throws(() => createServiceClient(MarketDataService, "ftp://x"), /unsupported peer URL/);
    assert.throws(() => createServiceClient(MarketDataService, "not a url"));
  });
});

describe("withUnaryDeadline", () => {
  it("gives unary calls the default deadline, keeps explicit ones, and leaves streams unbounded", async () => {
    const seen: Array<[string, number | undefined]> = [];
    const inner = createRouterTransport((router) =>
      router.service(Health, {
        check(_req, ctx) {
          seen.push(["check", ctx.timeoutMs()]);
          return { status: S.SERVING };
        },
        async *watch(_req, ctx) {
          seen.push(["watch", ctx.timeoutMs()]);
          yield { status: S.SERVING };
        },
      }),
    );
    const client = createClient(Health, withUnaryDeadline(inner, 5000));
    await client.check({});
    await client.check({}, { timeoutMs: 100 });
    for await (const _ of client.watch({})) void _;
    assert.equal(seen.length, 3);
    const [c1, c2, w] = seen;
    // The server sees the remaining time (at most the deadline sent; bounds kept loose on purpose).
    assert.ok(c1![1]! > 100 && c1![1]! <= 5000, String(c1![1]));
    assert.ok(c2![1]! > 0 && c2![1]! <= 100, String(c2![1]));
    assert.deepEqual(w, ["watch", undefined]);
  });
});
