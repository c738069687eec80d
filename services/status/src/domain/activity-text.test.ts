import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ActivityEntrySchema, ActivityLevel } from "@sigma/contracts";
import { formatActivityLine } from "./activity-text.js";

const entry = (message: string, symbol: string, date = "") =>
  create(ActivityEntrySchema, { seq: 7n, at: timestampFromMs(Date.UTC(2020, 0, 2)), level: ActivityLevel.WARNING, message, symbol, date });

test("a line whose message starts with its symbol does not repeat the symbol", () => {
  assert.equal(
    formatActivityLine(entry("GGIPX: symbol unavailable (delisted)", "GGIPX")),
    "2020-01-02T00:00:00.000Z WARN  [seq 7] GGIPX: symbol unavailable (delisted)",
  );
  assert.equal(
    formatActivityLine(entry("GWR: no close on 1 of 21 dates", "GWR", "2020-01-02")),
    "2020-01-02T00:00:00.000Z WARN  [seq 7] 2020-01-02 GWR: no close on 1 of 21 dates",
  );
});

test("the symbol is kept when the message does not start with it (or only with a longer symbol)", () => {
  assert.match(formatActivityLine(entry("no prices in range", "AAPL")), /\[seq 7\] AAPL no prices in range$/);
  assert.match(formatActivityLine(entry("GGIPXX: typo", "GGIPX")), /\[seq 7\] GGIPX GGIPXX: typo$/);
  assert.match(formatActivityLine(entry("Run started", "")), /\[seq 7\] Run started$/);
});
