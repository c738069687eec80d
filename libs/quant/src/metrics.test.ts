import assert from "node:assert/strict";
import { test } from "node:test";
import { SMA } from "technicalindicators";
import { loadPricePanel } from "./testing/fixtures.js";
import { kDayReturns, periodToDateReturns, rollingDrawdown, rsiSeries, smaSeries } from "./metrics.js";

const nan = Number.isNaN;

test("k-day return uses the close exactly k dates back", () => {
  const r = kDayReturns(Float64Array.from([100, NaN, 110, 121]), 2);
  assert.ok(nan(r[0]!) && nan(r[1]!));
  assert.equal(r[2], 110 / 100 - 1);
  assert.ok(nan(r[3]!), "close 2 dates back is missing");
});

test("MTD / YTD anchor on the last close strictly before the period", () => {
  const dates = ["2019-12-30", "2019-12-31", "2020-01-02", "2020-01-31", "2020-02-03"];
  const c = Float64Array.from([100, NaN, 105, 110, 99]);
  const mtd = periodToDateReturns(c, dates, "month");
  const ytd = periodToDateReturns(c, dates, "year");
  assert.ok(nan(mtd[0]!) && nan(mtd[1]!), "no close before December in the data");
  assert.equal(mtd[2], 105 / 100 - 1, "anchor skips the missing 12-31 close back to 12-30");
  assert.equal(mtd[3], 110 / 100 - 1);
  assert.equal(mtd[4], 99 / 110 - 1);
  assert.equal(ytd[4], 99 / 100 - 1);
});

test("drawdown from the trailing high, null with fewer closes", () => {
  const d = rollingDrawdown(Float64Array.from([10, 12, 9, 11, NaN, 8]), 3);
  assert.ok(nan(d[0]!) && nan(d[1]!));
  assert.equal(d[2], 9 / 12 - 1);
  assert.equal(d[3], 11 / 12 - 1);
  assert.ok(nan(d[4]!) && nan(d[5]!), "a missing close in the window");
});

test("RSI and SMA are aligned from the end of technicalindicators' unpadded output", () => {
  const c = Float64Array.from({ length: 20 }, (_, i) => 100 + i); // only gains → RSI 100
  const rsi = rsiSeries(c, 14);
  assert.ok(nan(rsi[13]!));
  assert.equal(rsi[14], 100);
  const sma = smaSeries(Float64Array.from([1, 2, NaN, 3, 4]), 2);
  assert.deepEqual(Array.from(sma), [NaN, 1.5, NaN, 2.5, 3.5], "missing closes are skipped, not zero");
});

test("SMA is a direct window sum: equals technicalindicators to 1e-12 and does not depend on earlier closes", () => {
  const P = loadPricePanel();
  for (const sym of ["SPY", "AAPL", "AVP", "GWR"]) {
    const c = P.closes.get(sym)!;
    for (const period of [50, 200]) {
      const ours = smaSeries(c, period);
      const avail = Array.from(c).filter(Number.isFinite);
      const ref = SMA.calculate({ period, values: avail });
      const got = Array.from(ours).filter(Number.isFinite);
      assert.equal(got.length, ref.length, `${sym} SMA(${period}) count`);
      got.forEach((v, i) =>
        assert.ok(Math.abs(v - ref[i]!) <= 1e-12 * Math.abs(ref[i]!), `${sym} SMA(${period}) #${i}: ${v} vs ${ref[i]}`),
      );
      // dropping 100 leading closes leaves every value that still has `period` closes bit-identical
      const later = smaSeries(c.subarray(100), period);
      for (let t = 100 + period - 1 + 20; t < c.length; t++) assert.ok(Object.is(later[t - 100], ours[t]), `${sym} SMA(${period}) @${t}`);
    }
  }
  const fromTen = smaSeries(
    Float64Array.from({ length: 20 }, (_, i) => i + 1),
    3,
    10,
  );
  assert.ok(nan(fromTen[9]!), "before from: not computed");
  assert.equal(fromTen[10], (9 + 10 + 11) / 3);
  assert.throws(() => smaSeries(new Float64Array(3), 0), RangeError);
});
