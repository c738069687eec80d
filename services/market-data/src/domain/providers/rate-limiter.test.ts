import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeTime } from "./fake-time.test-util.js";
import { TokenBucket } from "./rate-limiter.js";

describe("TokenBucket", () => {
  it("lets a burst through, then spaces requests at the sustained rate", async () => {
    const t = fakeTime();
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 3, clock: t.clock, sleep: t.sleep });
    for (let i = 0; i < 7; i++) await bucket.acquire();
    // 3 free tokens, then one per second for the other 4.
    assert.equal(bucket.waited, 4);
    assert.deepEqual(t.sleeps, [1000, 1000, 1000, 1000]);
  });

  it("refills while idle, never above capacity", async () => {
    const t = fakeTime();
    const bucket = new TokenBucket({ requestsPerMinute: 60, burst: 2, clock: t.clock, sleep: t.sleep });
    await bucket.acquire();
    await bucket.acquire();
    await t.sleep(60_000); // a long idle period refills to 2, not 60
    t.sleeps.length = 0;
    for (let i = 0; i < 3; i++) await bucket.acquire();
    assert.deepEqual(t.sleeps, [1000]);
  });

  it("serves concurrent callers in order with the same spacing", async () => {
    const t = fakeTime();
    const bucket = new TokenBucket({ requestsPerMinute: 120, clock: t.clock, sleep: t.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.acquire().then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.equal(bucket.waitedMillis, 3 * 500);
  });

  it("an aborted waiter does not take a token or block later callers", async () => {
    const t = fakeTime();
    const bucket = new TokenBucket({ requestsPerMinute: 60, clock: t.clock, sleep: t.sleep });
    await bucket.acquire();
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await assert.rejects(bucket.acquire(ac.signal), /stop/);
    await bucket.acquire();
    assert.equal(bucket.waited, 1);
  });

  it("rejects non-positive rates", () => {
    assert.throws(() => new TokenBucket({ requestsPerMinute: 0 }), RangeError);
    assert.throws(() => new TokenBucket({ requestsPerMinute: 5, burst: 0 }), RangeError);
  });
});
