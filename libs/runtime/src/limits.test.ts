import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "./config.js";
import { loadRuntimeLimits, parseDurationSeconds } from "./limits.js";

describe("loadRuntimeLimits", () => {
  it("defaults to a one-minute retry budget, 16 MiB requests and 24 h tokens", () => {
    assert.deepEqual(loadRuntimeLimits({}), { rpcRetryBudgetMs: 60_000, maxRequestBytes: 16 * 1024 * 1024, jwtMaxTtlSeconds: 86_400 });
  });

  it("reads each limit from its variable", () => {
    assert.deepEqual(loadRuntimeLimits({ SIGMA_RPC_RETRY_BUDGET_MS: "0", SIGMA_MAX_REQUEST_BYTES: "11000000", SIGMA_JWT_MAX_TTL: "15m" }), {
      rpcRetryBudgetMs: 0,
      maxRequestBytes: 11_000_000,
      jwtMaxTtlSeconds: 900,
    });
  });

  it("names every malformed variable", () => {
    assert.throws(
      () => loadRuntimeLimits({ SIGMA_RPC_RETRY_BUDGET_MS: "-1", SIGMA_MAX_REQUEST_BYTES: "lots" }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(
          e.problems.map((p) => p.env),
          ["SIGMA_RPC_RETRY_BUDGET_MS", "SIGMA_MAX_REQUEST_BYTES"],
        );
        return true;
      },
    );
    assert.throws(() => loadRuntimeLimits({ SIGMA_JWT_MAX_TTL: "forever" }), /SIGMA_JWT_MAX_TTL: not a duration: "forever"/);
  });
});

describe("parseDurationSeconds", () => {
  it("accepts seconds and s/m/h/d suffixes, nothing else", () => {
    assert.deepEqual(["3600", "90s", "15m", "24h", "7d"].map(parseDurationSeconds), [3600, 90, 900, 86_400, 604_800]);
    for (const bad of ["", "0", "1w", "-5m", "1.5h", "h"]) assert.equal(parseDurationSeconds(bad), undefined, bad);
  });
});
