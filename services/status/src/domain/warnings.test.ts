import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateWarningLines } from "./warnings.js";

test("one line per symbol and reason, with the latest figures and how often it was reported", () => {
  const lines = [
    { symbol: "GWR", date: "", message: "GWR: no close on 1 of 21 dates (last close 2019-03-04)" },
    { symbol: "HZNP", date: "", message: "HZNP: symbol unavailable (delisted)" },
    { symbol: "GWR", date: "", message: "GWR: no close on 2 of 21 dates (last close 2019-04-02)" },
    { symbol: "GWR", date: "", message: "Portfolio Snapshots: GWR: stale price" },
    { symbol: "GWR", date: "2019-05-02", message: "GWR: no close on 1 of 21 dates (last close 2019-05-01)" },
    { symbol: "", date: "", message: "lease taken over from run 1" },
  ];
  assert.deepEqual(aggregateWarningLines(lines), [
    {
      symbol: "GWR",
      reason: "no close on 1 of 21 dates (last close 2019-05-01)",
      occurrences: 3,
      firstDate: "2019-05-02",
      lastDate: "2019-05-02",
    },
    { symbol: "HZNP", reason: "symbol unavailable (delisted)", occurrences: 1, firstDate: "", lastDate: "" },
    { symbol: "GWR", reason: "stale price", occurrences: 1, firstDate: "", lastDate: "" },
    { symbol: "", reason: "lease taken over from run 1", occurrences: 1, firstDate: "", lastDate: "" },
  ]);
  assert.deepEqual(aggregateWarningLines([]), []);
});
