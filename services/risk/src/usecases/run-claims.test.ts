import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunClaims, UNSHARED } from "./run-claims.js";

describe("RunClaims", () => {
  it("hands each key of a run to its first claimant only, in input order", () => {
    const claims = new RunClaims();
    const run = claims.forRun("r1");
    assert.deepEqual(run.claim(["SPY|2024-01-02", "AAPL|2024-01-02"]), ["SPY|2024-01-02", "AAPL|2024-01-02"]);
    assert.deepEqual(run.claim(["AAPL|2024-01-02", "MSFT|2024-01-02", "MSFT|2024-01-02"]), ["MSFT|2024-01-02"]);
    assert.deepEqual(claims.forRun("r2").claim(["SPY|2024-01-02"]), ["SPY|2024-01-02"], "runs do not share");
    assert.equal(claims.size("r1"), 3);
  });

  it("released keys (a failed call) are claimable again", () => {
    const run = new RunClaims().forRun("r1");
    const mine = run.claim(["a", "b"]);
    run.release(mine);
    assert.deepEqual(run.claim(["b", "a"]), ["b", "a"]);
  });

  it("an empty run id shares nothing", () => {
    const claims = new RunClaims();
    assert.equal(claims.forRun(""), UNSHARED);
    assert.deepEqual(UNSHARED.claim(["a"]), ["a"]);
    assert.deepEqual(UNSHARED.claim(["a"]), ["a"]);
  });

  it("is bounded: least recently used runs beyond maxRuns and idle runs are forgotten", () => {
    let now = 0;
    const claims = new RunClaims({ maxRuns: 2, idleMs: 1000, now: () => now });
    claims.forRun("a").claim(["k"]);
    claims.forRun("b").claim(["k"]);
    claims.forRun("a").claim(["k2"]); // a is now the most recent
    claims.forRun("c").claim(["k"]); // evicts b
    assert.equal(claims.size("b"), 0);
    assert.equal(claims.size("a"), 2);
    now = 5000;
    claims.forRun("c").claim(["k3"]); // a idle for 5 s: forgotten
    assert.equal(claims.size("a"), 0);
    assert.deepEqual(claims.forRun("a").claim(["k"]), ["k"], "a forgotten run computes again (never a wrong value)");
    assert.throws(() => new RunClaims({ maxRuns: 0 }), RangeError);
    assert.throws(() => new RunClaims({ idleMs: 0 }), RangeError);
  });
});
