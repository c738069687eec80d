import assert from "node:assert/strict";
import { test } from "node:test";
import type { Client } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import type { SnapshotService } from "@sigma/contracts";
import { snapshotPortfolioSource } from "./vol-corr-handlers.js";

test("returnSeries reads a range longer than 1,000 trading days in windows and joins them in date order", async () => {
  const calls: { ids: string[]; start: string; end: string }[] = [];
  const client = {
    async getReturnSeries(req: { portfolioIds: string[]; startDate: string; endDate: string }) {
      calls.push({ ids: req.portfolioIds, start: req.startDate, end: req.endDate });
      const dates = tradingDays(req.startDate, req.endDate);
      return { series: req.portfolioIds.map((portfolioId) => ({ portfolioId, dates, dailyReturns: dates.map((_, i) => i / 1e4) })) };
    },
  } as unknown as Client<typeof SnapshotService>;
  const all = tradingDays("2014-01-02", "2019-12-31");
  assert.ok(all.length > 1000);
  const ids = ["a", "b", "c"];
  const got = await snapshotPortfolioSource(client, 2).returnSeries(ids, all[0]!, all.at(-1)!);
  assert.equal(calls.length, 2 * Math.ceil(all.length / 1000), "2 portfolio batches × the windows");
  for (const id of ids) {
    assert.deepEqual(got.get(id)!.dates, all);
    assert.equal(got.get(id)!.dailyReturn.length, all.length);
  }
  // A portfolio the service answered nothing for has an empty series.
  const none = {
    async getReturnSeries() {
      return { series: [] };
    },
  } as unknown as Client<typeof SnapshotService>;
  assert.deepEqual((await snapshotPortfolioSource(none).returnSeries(["x"], "2020-01-02", "2020-01-03")).get("x")!.dates, []);
});
