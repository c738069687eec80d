import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { PRICES_CSV } from "@sigma/testing/paths";
import { SPECIAL_CLOSURES } from "./holidays.js";
import { InvalidDateError, addCalendarDays } from "./iso-date.js";
import {
  addTradingDays,
  countTradingDays,
  isTradingDay,
  nextTradingDay,
  previousTradingDay,
  tradingDayOnOrAfter,
  tradingDayOnOrBefore,
  tradingDays,
} from "./trading-calendar.js";

const pricesCsv = PRICES_CSV;

/** Dates on which `symbol` has a row in the long-format price file, ascending and unique. */
function datesWithRows(symbol: string): string[] {
  const lines = readFileSync(pricesCsv, "utf8").split(/\r?\n/);
  const header = lines[0]?.split(",") ?? [];
  const dateCol = header.indexOf("date");
  const symbolCol = header.indexOf("symbol");
  assert.ok(dateCol >= 0 && symbolCol >= 0, `unexpected header in ${pricesCsv}: ${lines[0]}`);
  const found = new Set<string>();
  for (const line of lines.slice(1)) {
    if (line === "") continue;
    const cells = line.split(",");
    if (cells[symbolCol] === symbol) found.add(cells[dateCol] ?? "");
  }
  return [...found].sort();
}

describe("calendar vs real SPY history", () => {
  it("reproduces exactly the 769 SPY trading dates 2017-01-03..2020-01-23", () => {
    const spy = datesWithRows("SPY");
    const computed = tradingDays("2017-01-03", "2020-01-23");
    const spySet = new Set(spy);
    const computedSet = new Set(computed);
    const missing = spy.filter((d) => !computedSet.has(d));
    const extra = computed.filter((d) => !spySet.has(d));
    assert.deepEqual(
      { missing, extra },
      { missing: [], extra: [] },
      "calendar differs from SPY rows (missing = SPY traded but calendar says closed)",
    );
    assert.equal(spy.length, 769);
    assert.deepEqual(computed, spy);
  });
});

describe("isTradingDay", () => {
  it("closes every special closure", () => {
    for (const s of SPECIAL_CLOSURES) assert.equal(isTradingDay(s.date), false, s.date);
  });

  it("applies the observance rules", () => {
    const cases: [string, boolean, string][] = [
      ["2021-12-31", true, "New Year 2022 falls on Saturday: not observed on Friday"],
      ["2022-06-20", false, "Juneteenth 2022 (Sunday) observed Monday"],
      ["2021-06-18", true, "before Juneteenth became an NYSE holiday"],
      ["2017-01-02", false, "New Year 2017 (Sunday) observed Monday"],
      ["2023-01-02", false, "New Year 2023 (Sunday) observed Monday"],
      ["2019-04-19", false, "Good Friday"],
      ["2021-07-05", false, "Independence Day 2021 (Sunday) observed Monday"],
      ["2020-07-03", false, "Independence Day 2020 (Saturday) observed Friday"],
      ["2021-12-24", false, "Christmas 2021 (Saturday) observed Friday"],
      ["2018-12-05", false, "Bush day of mourning"],
      ["2018-12-04", true, "ordinary Tuesday"],
      ["2020-01-25", false, "Saturday"],
      ["2020-01-26", false, "Sunday"],
      ["2020-01-23", true, "ordinary Thursday"],
    ];
    for (const [date, open, why] of cases) assert.equal(isTradingDay(date), open, `${date}: ${why}`);
  });

  it("rejects invalid dates with InvalidDateError", () => {
    assert.throws(() => isTradingDay("2021-02-29"), InvalidDateError);
    assert.throws(() => isTradingDay("2021-1-4"), InvalidDateError);
  });
});

describe("tradingDays / countTradingDays", () => {
  it("is inclusive of trading-day bounds and empty when start > end", () => {
    assert.deepEqual(tradingDays("2020-01-23", "2020-01-27"), ["2020-01-23", "2020-01-24", "2020-01-27"]);
    assert.deepEqual(tradingDays("2020-01-25", "2020-01-26"), []);
    assert.deepEqual(tradingDays("2020-01-24", "2020-01-23"), []);
    assert.equal(countTradingDays("2020-01-24", "2020-01-23"), 0);
    assert.deepEqual(tradingDays("2001-09-10", "2001-09-17"), ["2001-09-10", "2001-09-17"]);
  });

  it("agrees with isTradingDay and with the per-day count over several years", () => {
    const all = tradingDays("2015-01-01", "2026-12-31");
    assert.equal(countTradingDays("2015-01-01", "2026-12-31"), all.length);
    const set = new Set(all);
    for (let d = "2015-01-01"; d <= "2026-12-31"; d = addCalendarDays(d, 1)) assert.equal(set.has(d), isTradingDay(d), d);
  });

  it("gives the usual ~252 sessions per year", () => {
    assert.equal(countTradingDays("2019-01-01", "2019-12-31"), 252);
    assert.equal(countTradingDays("2018-01-01", "2018-12-31"), 251); // 2018-12-05 closure
    assert.equal(countTradingDays("2022-01-01", "2022-12-31"), 251);
  });
});

describe("neighbours", () => {
  it("next/previous are strict and skip weekends, holidays and multi-day closures", () => {
    assert.equal(nextTradingDay("2020-01-23"), "2020-01-24");
    assert.equal(nextTradingDay("2020-01-24"), "2020-01-27");
    assert.equal(previousTradingDay("2020-01-27"), "2020-01-24");
    assert.equal(nextTradingDay("2001-09-10"), "2001-09-17");
    assert.equal(previousTradingDay("2001-09-17"), "2001-09-10");
    assert.equal(nextTradingDay("2012-10-26"), "2012-10-31");
    assert.equal(previousTradingDay("2020-01-01"), "2019-12-31");
    assert.equal(nextTradingDay("2019-12-31"), "2020-01-02");
    assert.equal(previousTradingDay("2022-01-03"), "2021-12-31");
  });

  it("on-or-after/before return a trading day unchanged and roll others", () => {
    assert.equal(tradingDayOnOrAfter("2020-01-23"), "2020-01-23");
    assert.equal(tradingDayOnOrBefore("2020-01-23"), "2020-01-23");
    assert.equal(tradingDayOnOrAfter("2020-01-25"), "2020-01-27");
    assert.equal(tradingDayOnOrBefore("2020-01-25"), "2020-01-24");
    assert.equal(tradingDayOnOrAfter("2019-12-25"), "2019-12-26");
    assert.equal(tradingDayOnOrBefore("2019-12-25"), "2019-12-24");
  });
});

describe("addTradingDays", () => {
  it("follows the documented rule, also from non-trading days", () => {
    assert.equal(addTradingDays("2020-01-23", 0), "2020-01-23");
    assert.equal(addTradingDays("2020-01-25", 0), "2020-01-27");
    assert.equal(addTradingDays("2020-01-25", 1), "2020-01-27");
    assert.equal(addTradingDays("2020-01-25", -1), "2020-01-24");
    assert.equal(addTradingDays("2020-01-23", 2), "2020-01-27");
    assert.equal(addTradingDays("2020-01-02", -1), "2019-12-31");
  });

  it("matches indexing into tradingDays()", () => {
    const days = tradingDays("2016-01-01", "2021-12-31");
    const base = days.indexOf("2018-06-15");
    for (const n of [1, 5, 21, 63, 252, 500, -1, -5, -21, -63, -252, -500]) {
      assert.equal(addTradingDays("2018-06-15", n), days[base + n], `n=${n}`);
    }
  });

  it("round-trips from trading days for many n", () => {
    for (const start of tradingDays("2017-01-03", "2017-03-31")) {
      for (const n of [1, 2, 3, 7, 30, 90, 180, 252, -1, -4, -90, -252]) {
        assert.equal(addTradingDays(addTradingDays(start, n), -n), start, `${start} n=${n}`);
      }
    }
  });

  it("rejects non-integer n", () => {
    assert.throws(() => addTradingDays("2020-01-23", 1.5), RangeError);
    assert.throws(() => addTradingDays("2020-01-23", Number.NaN), RangeError);
  });
});
