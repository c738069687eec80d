/** NO_CLOSE problems: one per symbol with close gaps in the range, first missing date, last close. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { missingCloseProblems } from "./missing-closes.js";

const DATES = ["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08", "2020-01-09"];
const series = (...v: number[]) => Float64Array.from(v);
const prices = (m: Record<string, Float64Array>) => ({ dates: DATES, closes: new Map(Object.entries(m)) });

describe("missingCloseProblems", () => {
  it("reports a delisted symbol once, with the first missing date and the last close before it", () => {
    const p = prices({ AVP: series(10, 11, NaN, NaN, NaN, NaN), FULL: series(1, 2, 3, 4, 5, 6) });
    // Range starts after the lookback: 4 of 5 range dates lack a close.
    const out = missingCloseProblems(p, ["FULL", "AVP"], "2020-01-03", "2020-01-09");
    assert.deepEqual(out, [
      { symbol: "AVP", reason: "NO_CLOSE", detail: "no close on 4 of 5 dates (last close 2020-01-03)", date: "2020-01-06" },
    ]);
  });

  it("reports an unpublished day inside the range and a listing inside the range", () => {
    const p = prices({ GAP: series(1, 2, 3, NaN, 5, 6), NEW: series(NaN, NaN, NaN, NaN, 5, 6) });
    const out = missingCloseProblems(p, ["GAP", "NEW"], "2020-01-02", "2020-01-09");
    assert.deepEqual(
      out.map((x) => [x.symbol, x.detail, x.date]),
      [
        ["GAP", "no close on 1 of 6 dates (last close 2020-01-09)", "2020-01-07"],
        ["NEW", "no close on 4 of 6 dates (last close 2020-01-09)", "2020-01-02"],
      ],
    );
  });

  it("only looks at the range, ignoring gaps in the lookback and closes after the end", () => {
    const p = prices({ A: series(NaN, NaN, 3, 4, NaN, NaN) });
    assert.deepEqual(missingCloseProblems(p, ["A"], "2020-01-06", "2020-01-07"), []);
    // The last close is searched on or before the range end only.
    const b = prices({ B: series(1, NaN, NaN, 4, 5, 6) });
    assert.equal(missingCloseProblems(b, ["B"], "2020-01-03", "2020-01-06")[0]!.detail, "no close on 2 of 2 dates (last close 2020-01-02)");
  });

  it("leaves NO_PRICES cases, unknown symbols and already-reported symbols to their single problem", () => {
    const p = prices({
      NONE: series(NaN, NaN, NaN, NaN, NaN, NaN),
      LATE: series(NaN, NaN, NaN, NaN, NaN, 6),
      DUP: series(1, NaN, 3, 4, 5, 6),
    });
    assert.deepEqual(missingCloseProblems(p, ["NONE", "ZZZZ", "LATE", "DUP"], "2020-01-02", "2020-01-08", new Set(["DUP"])), []);
  });

  it("returns nothing for a range without calendar dates", () => {
    const p = prices({ A: series(1, NaN, 3, 4, 5, 6) });
    assert.deepEqual(missingCloseProblems(p, ["A"], "2020-01-04", "2020-01-05"), []);
    assert.deepEqual(missingCloseProblems(p, ["A"], "2021-01-04", "2021-01-05"), []);
  });
});
