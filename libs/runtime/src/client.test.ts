import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MarketDataService } from "@sigma/contracts";
import { backoffDelayMs, createServiceClient } from "./client.js";

describe("backoffDelayMs", () => {
  it("doubles the cap per attempt, up to the maximum", () => {
    const top = () => 0.999999;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, 100, 2000, top)),
      [99, 199, 399, 799, 1599, 1999],
    );
  });

  it("applies full jitter in [0, cap)", () => {
    assert.equal(backoffDelayMs(3, 100, 2000, () => 0), 0);
    assert.equal(backoffDelayMs(3, 100, 2000, () => 0.5), 200);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelayMs(4, 100, 2000);
      assert.ok(d >= 0 && d < 800, String(d));
    }
  });
});

describe("createServiceClient", () => {
  it("rejects non-http URLs", () => {
    assert.throws(() => createServiceClient(MarketDataService, "ftp://x"), /unsupported URL scheme/);
    assert.throws(() => createServiceClient(MarketDataService, "not a url"));
  });
});
