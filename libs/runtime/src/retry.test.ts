import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retryWithBackoff } from "./retry.js";

const transient = new Error("transient");
const fatal = new Error("fatal");

describe("retryWithBackoff", () => {
  it("retries retryable failures until success and reports each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    const out = await retryWithBackoff(
      async () => {
        calls++;
        if (calls < 3) throw transient;
        return "ok";
      },
      { budgetMs: 1000, baseDelayMs: 1, isRetryable: (e) => e === transient, onRetry: (i) => seen.push(i.attempt) },
    );
    assert.equal(out, "ok");
    assert.deepEqual(seen, [1, 2]);
  });

  it("throws a non-retryable failure at once", async () => {
    let calls = 0;
    await assert.rejects(
      retryWithBackoff(
        async () => {
          calls++;
          throw fatal;
        },
        { budgetMs: 1000, baseDelayMs: 1, isRetryable: (e) => e === transient },
      ),
      fatal,
    );
    assert.equal(calls, 1);
  });

  it("stops once the budget since the first failure is spent, throwing the last failure", async () => {
    let t = 0;
    let calls = 0;
    await assert.rejects(
      retryWithBackoff(
        async () => {
          calls++;
          t += 100; // every attempt takes 100 ms of the fake clock
          throw transient;
        },
        { budgetMs: 250, baseDelayMs: 1, random: () => 0, isRetryable: () => true, now: () => t },
      ),
      transient,
    );
    // Failures at t=100 (first), 200, 300, 400: the budget (250 ms after the first) ends at 350.
    assert.equal(calls, 4);
  });

  it("never sleeps past the budget and stops when the signal aborts", async () => {
    const ac = new AbortController();
    let calls = 0;
    const delays: number[] = [];
    await assert.rejects(
      retryWithBackoff(
        async () => {
          calls++;
          if (calls === 2) ac.abort();
          throw transient;
        },
        {
          budgetMs: 60_000,
          baseDelayMs: 1,
          maxDelayMs: 1,
          isRetryable: () => true,
          signal: ac.signal,
          onRetry: (i) => delays.push(i.delayMs),
        },
      ),
      transient,
    );
    assert.equal(calls, 2);
    assert.ok(delays.every((d) => d <= 1));
  });
});
