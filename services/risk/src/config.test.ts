import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "@sigma/runtime";
import { loadRiskConfig } from "./config.js";

const env = { SIGMA_AUTH: "dev", DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" };

test("defaults: schema risk, rate duration 17, peers on their default ports", () => {
  const c = loadRiskConfig(env);
  assert.equal(c.schema, "risk");
  assert.equal(c.rateDuration, 17);
  assert.equal(c.snapshotUrl, "http://127.0.0.1:50054");
  assert.equal(c.factorUrl, "http://127.0.0.1:50053");
  assert.equal(c.marketDataUrl, "http://127.0.0.1:50052");
  assert.equal(loadRiskConfig({ ...env, SIGMA_RATE_DURATION: "16.5" }).rateDuration, 16.5);
});

test("SIGMA_RATE_DURATION must be a positive number, reported with the other problems", () => {
  for (const bad of ["0", "-3", "abc", "1e400", "17 years"]) {
    assert.throws(
      () => loadRiskConfig({ ...env, SIGMA_RATE_DURATION: bad, SIGMA_SNAPSHOT_URL: "nope" }),
      (e: ConfigError) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.env === "SIGMA_RATE_DURATION") &&
        e.problems.some((p) => p.env === "SIGMA_SNAPSHOT_URL"),
      bad,
    );
  }
});
