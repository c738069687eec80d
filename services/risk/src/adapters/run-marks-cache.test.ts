import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Client } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { GetPositionValueRangeResponseSchema, type SnapshotService } from "@sigma/contracts";
import { RunMarksCache } from "./run-marks-cache.js";

/** A snapshot client whose GetPositionValueRange counts calls and can be told to fail once. */
function fakeClient() {
  const state = { calls: 0, failNext: false };
  const client = {
    async getPositionValueRange(req: { portfolioIds: string[]; startDate: string; endDate: string }) {
      state.calls++;
      if (state.failNext) {
        state.failNext = false;
        throw new Error("snapshot unavailable");
      }
      return create(GetPositionValueRangeResponseSchema, {
        days: req.portfolioIds.map((portfolioId) => ({ portfolioId, date: req.startDate, nav: 1 })),
      });
    },
    async getSnapshots() {
      return { snapshots: [] };
    },
  } as unknown as Client<typeof SnapshotService>;
  return { client, state };
}

const req = (ids: string[], start = "2024-01-02", end = "2024-01-31") => ({ portfolioIds: ids, startDate: start, endDate: end });

describe("RunMarksCache", () => {
  it("answers an identical request of the same run from its first read; other runs and requests read", async () => {
    const { client, state } = fakeClient();
    const cache = new RunMarksCache();
    const a = cache.client(client, "run-1");
    const first = await a.getPositionValueRange(req(["p1", "p2"]));
    assert.equal(await cache.client(client, "run-1").getPositionValueRange(req(["p1", "p2"])), first);
    assert.equal(state.calls, 1);
    await a.getPositionValueRange(req(["p2", "p1"])); // another order is another request
    await a.getPositionValueRange(req(["p1", "p2"], "2024-01-03"));
    await cache.client(client, "run-2").getPositionValueRange(req(["p1", "p2"]));
    assert.equal(state.calls, 4);
    assert.deepEqual(cache.stats(), { hits: 1, reads: 4 });
  });

  it("concurrent identical requests share one read; a failed read is forgotten", async () => {
    const { client, state } = fakeClient();
    const c = new RunMarksCache().client(client, "r");
    await Promise.all([c.getPositionValueRange(req(["p"])), c.getPositionValueRange(req(["p"]))]);
    assert.equal(state.calls, 1);
    state.failNext = true;
    await assert.rejects(c.getPositionValueRange(req(["q"])), /unavailable/);
    assert.equal((await c.getPositionValueRange(req(["q"]))).days.length, 1);
    assert.equal(state.calls, 3);
  });

  it("without a run id every call reads; other methods pass through; bounded per run and in runs", async () => {
    const { client, state } = fakeClient();
    const cache = new RunMarksCache({ maxRuns: 1, maxEntriesPerRun: 2 });
    assert.equal(cache.client(client, ""), client);
    const c = cache.client(client, "r");
    assert.deepEqual(await c.getSnapshots({ portfolioId: "p" }), { snapshots: [] });
    for (const id of ["a", "b", "c"]) await c.getPositionValueRange(req([id]));
    await c.getPositionValueRange(req(["a"])); // evicted by c (least recently used)
    assert.equal(state.calls, 4);
    await cache.client(client, "other").getPositionValueRange(req(["c"]));
    await c.getPositionValueRange(req(["c"])); // run r was dropped for "other"
    assert.equal(state.calls, 6);
    assert.throws(() => new RunMarksCache({ maxRuns: 0 }), RangeError);
  });
});
