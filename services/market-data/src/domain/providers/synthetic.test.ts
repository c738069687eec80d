import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isTradingDay, tradingDays } from "@sigma/calendar";
import { FACTOR_ETFS } from "@sigma/contracts";
import { SyntheticPriceProvider, SYNTHETIC_EPOCH, SYNTHETIC_FACTOR_ETFS, syntheticUnavailableReason } from "./synthetic.js";
import type { DailyBar, FetchResult } from "./types.js";

function barsOf(r: FetchResult): readonly DailyBar[] {
  assert.equal(r.status, "ok");
  return r.status === "ok" ? r.bars : [];
}

function returns(bars: readonly DailyBar[]): number[] {
  return bars.slice(1).map((b, i) => b.close / bars[i]!.close - 1);
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** OLS slope of y on x. */
function slope(y: readonly number[], x: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

describe("SyntheticPriceProvider determinism", () => {
  it("gives the same close for a date fetched alone, in a range, and from another instance", async () => {
    const a = new SyntheticPriceProvider();
    const b = new SyntheticPriceProvider();
    const alone = barsOf(await a.fetchDaily("AAPL", "2020-01-23", "2020-01-23"));
    const range = barsOf(await b.fetchDaily("AAPL", "2018-06-01", "2020-03-31"));
    assert.equal(alone.length, 1);
    assert.deepEqual(
      range.find((x) => x.date === "2020-01-23"),
      alone[0],
    );
    const again = barsOf(await a.fetchDaily("AAPL", "2018-06-01", "2020-03-31"));
    assert.deepEqual(again, range);
  });

  it("incremental fetches concatenate to the full fetch", async () => {
    const full = barsOf(await new SyntheticPriceProvider().fetchDaily("XYZ", "2019-01-01", "2019-12-31"));
    const p = new SyntheticPriceProvider();
    const parts = [
      ...barsOf(await p.fetchDaily("XYZ", "2019-09-01", "2019-12-31")),
      ...barsOf(await p.fetchDaily("XYZ", "2019-01-01", "2019-08-31")),
    ].sort((x, y) => (x.date < y.date ? -1 : 1));
    assert.deepEqual(parts, full);
  });

  it("normalizes the symbol (brk.b and BRK-B are one series)", async () => {
    const p = new SyntheticPriceProvider();
    assert.deepEqual(await p.fetchDaily("brk.b", "2020-01-02", "2020-01-10"), await p.fetchDaily("BRK-B", "2020-01-02", "2020-01-10"));
  });

  it("different symbols get different series", async () => {
    const p = new SyntheticPriceProvider();
    const x = barsOf(await p.fetchDaily("AAA", "2020-01-02", "2020-01-10"));
    const y = barsOf(await p.fetchDaily("AAB", "2020-01-02", "2020-01-10"));
    assert.notDeepEqual(
      x.map((b) => b.close),
      y.map((b) => b.close),
    );
  });
});

describe("SyntheticPriceProvider bars", () => {
  it("has exactly one bar per trading day, ascending, with consistent OHLCV", async () => {
    const bars = barsOf(await new SyntheticPriceProvider().fetchDaily("MSFT", "2019-11-01", "2020-01-31"));
    assert.deepEqual(
      bars.map((b) => b.date),
      tradingDays("2019-11-01", "2020-01-31"),
    );
    for (const b of bars) {
      assert.ok(isTradingDay(b.date));
      assert.ok(b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close), JSON.stringify(b));
      assert.ok(b.low > 0 && Number.isInteger(b.volume) && b.volume > 0, JSON.stringify(b));
    }
  });

  it("starts at the epoch: earlier dates have no bars", async () => {
    const p = new SyntheticPriceProvider();
    assert.deepEqual(barsOf(await p.fetchDaily("SPY", "1999-01-01", "1999-12-31")), []);
    const first = barsOf(await p.fetchDaily("SPY", "1999-12-01", "2000-01-05"));
    assert.equal(first[0]!.date, SYNTHETIC_EPOCH);
  });

  it("rejects malformed ranges", async () => {
    const p = new SyntheticPriceProvider();
    await assert.rejects(p.fetchDaily("SPY", "2020-01-10", "2020-01-01"), RangeError);
    await assert.rejects(p.fetchDaily("SPY", "2020-13-01", "2020-12-31"), RangeError);
  });
});

describe("SyntheticPriceProvider factor structure", () => {
  const start = "2019-01-01";
  const end = "2019-12-31";
  const load = async (p: SyntheticPriceProvider, s: string) => returns(barsOf(await p.fetchDaily(s, start, end)));

  it("models exactly the platform's factor ETFs", () => {
    assert.deepEqual([...SYNTHETIC_FACTOR_ETFS].sort(), [...FACTOR_ETFS].sort());
  });

  it("SPY and VTV are strongly correlated, TLT is not", async () => {
    const p = new SyntheticPriceProvider();
    const spy = await load(p, "SPY");
    assert.ok(spy.length > 240);
    const vtv = await load(p, "VTV");
    const tlt = await load(p, "TLT");
    const rVtv = pearson(spy, vtv);
    const rTlt = pearson(spy, tlt);
    assert.ok(rVtv > 0.5, `corr(SPY, VTV) = ${rVtv}`);
    assert.ok(Math.abs(rTlt) < 0.4, `corr(SPY, TLT) = ${rTlt}`);
  });

  it("factor ETFs have sensible market betas and differ on their own factor", async () => {
    const p = new SyntheticPriceProvider();
    const spy = await load(p, "SPY");
    for (const etf of ["VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV"]) {
      const beta = slope(await load(p, etf), spy);
      assert.ok(beta > 0.5 && beta < 1.5, `${etf} market beta ${beta}`);
    }
    // VUG - VTV is the growth/value spread: it should barely move with the market.
    const vtv = await load(p, "VTV");
    const vug = await load(p, "VUG");
    const spread = vug.map((r, i) => r - vtv[i]!);
    assert.ok(Math.abs(pearson(spread, spy)) < 0.4);
    assert.ok(pearson(vtv, vug) < pearson(vtv, spy), "VTV should be closer to SPY than to VUG");
  });

  it("ordinary symbols load on the market (positive beta in the configured band)", async () => {
    const p = new SyntheticPriceProvider();
    const spy = await load(p, "SPY");
    for (const s of ["AAPL", "JPM", "XOM", "ZZZZ"]) {
      const beta = slope(await load(p, s), spy);
      assert.ok(beta > 0.2 && beta < 2.2, `${s} beta ${beta}`);
    }
  });
});

describe("synthetic unavailability rule", () => {
  it("treats 5-letter symbols ending in X as unavailable mutual funds", async () => {
    const p = new SyntheticPriceProvider();
    for (const s of ["GGIPX", "NEAIX", "vfiax"]) {
      const r = await p.fetchDaily(s, "2020-01-02", "2020-01-10");
      assert.equal(r.status, "unavailable", s);
    }
  });

  it("keeps other symbols available, including the factor ETFs", async () => {
    const p = new SyntheticPriceProvider();
    for (const s of ["SPY", "VTV", "VUG", "MTUM", "QUAL", "IWM", "USMV", "TLT", "XOM", "ABCX", "ABCDE", "ABCDXX", "ABC1X"]) {
      assert.equal(syntheticUnavailableReason(s), undefined, s);
      assert.equal((await p.fetchDaily(s, "2020-01-02", "2020-01-03")).status, "ok", s);
    }
  });
});
