import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunCancelledError, retryOnCodes } from "../phases/step.js";
import { fanOut, splitItems, itemSizeForDates } from "./fan-out.js";

describe("splitItems", () => {
  it("cuts into consecutive items, the last one shorter", () => {
    assert.deepEqual(splitItems([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
    assert.deepEqual(splitItems([], 3), []);
    assert.throws(() => splitItems([1], 0), RangeError);
  });
});

describe("fanOut", () => {
  it("returns results in item order with at most `concurrency` in flight", async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    const out = await fanOut(
      items,
      async (x) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await sleep((x * 7) % 5);
        inFlight--;
        return x * 10;
      },
      { concurrency: 3 },
    );
    assert.deepEqual(
      out,
      items.map((x) => x * 10),
    );
    assert.equal(peak, 3);
  });

  it("fails with the first error after the items in flight settle, and starts no new item", async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const err = await fanOut(
      Array.from({ length: 10 }, (_, i) => i),
      async (x) => {
        started.push(x);
        if (x === 1) throw new Error("boom 1");
        if (x === 2) {
          await sleep(30);
          settled.push(x);
          throw new Error("boom 2");
        }
        await sleep(5);
        settled.push(x);
        return x;
      },
      { concurrency: 3 },
    ).catch((e: unknown) => e as Error);
    assert.equal((err as Error).message, "boom 1");
    assert.deepEqual(started, [0, 1, 2]);
    assert.ok(settled.includes(2), "the item in flight settled before fanOut returned");
  });

  it("retries a retryable item and not a final one", async () => {
    const attempts = new Map<number, number>();
    const retried: number[] = [];
    const out = await fanOut(
      [0, 1, 2],
      async (x) => {
        const n = (attempts.get(x) ?? 0) + 1;
        attempts.set(x, n);
        if (x === 1 && n < 3) throw new ConnectError("replica going away", Code.Unavailable);
        return x;
      },
      { concurrency: 2, retry: retryOnCodes(3, 1, Code.Unavailable), onRetry: (i) => void retried.push(i) },
    );
    assert.deepEqual(out, [0, 1, 2]);
    assert.equal(attempts.get(1), 3);
    assert.deepEqual(retried, [1, 1]);
    await assert.rejects(
      fanOut(
        [0],
        async () => {
          throw new ConnectError("bad", Code.FailedPrecondition);
        },
        { concurrency: 1, retry: retryOnCodes(3, 1, Code.Unavailable) },
      ),
      (e: unknown) => e instanceof ConnectError && e.code === Code.FailedPrecondition,
    );
  });

  it("stops starting items on cancel and throws RunCancelledError", async () => {
    let stop = false;
    const started: number[] = [];
    await assert.rejects(
      fanOut(
        Array.from({ length: 10 }, (_, i) => i),
        async (x) => {
          started.push(x);
          if (x === 2) stop = true;
          await sleep(1);
          return x;
        },
        { concurrency: 2, cancelled: () => stop },
      ),
      RunCancelledError,
    );
    assert.ok(started.length <= 4, `started ${started}`);
    // A run stopped after its last item started still returns what it computed.
    const ac = new AbortController();
    const out = await fanOut(
      [1],
      async (x) => {
        ac.abort();
        return x;
      },
      { concurrency: 1, signal: ac.signal },
    );
    assert.deepEqual(out, [1]);
  });
});

describe("itemSizeForDates", () => {
  it("keeps the configured size for a 21-date chunk and packs a daily run's one date into one large item", () => {
    assert.equal(itemSizeForDates(50, 21), 50);
    assert.equal(itemSizeForDates(50, 33), 50, "never smaller than configured");
    assert.equal(itemSizeForDates(50, 1), 1050);
    assert.equal(itemSizeForDates(64, 1), 1344);
    assert.equal(itemSizeForDates(8, 5), 33);
    assert.equal(itemSizeForDates(8, 0), 168);
    assert.equal(itemSizeForDates(50, 1, 1000), 1000, "never beyond what the callee accepts");
    assert.equal(itemSizeForDates(2000, 1, 1000), 2000, "a configured size is kept");
  });
});
