import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { PhaseViewSchema } from "@sigma/contracts";
import { phaseLine } from "./status.js";

test("a finished phase shows its summary, not the progress counter as well", () => {
  const done = create(PhaseViewSchema, {
    name: "Market Data Collection",
    current: 35n,
    total: 35n,
    unit: "symbols",
    summary: "33/35 symbols (94% coverage)",
  });
  assert.match(phaseLine(done), /Market Data Collection\s+33\/35 symbols \(94% coverage\)$/);
  assert.equal(phaseLine(done).match(/\/35 symbols/g)?.length, 1);
  const running = create(PhaseViewSchema, { name: "Factor Analysis", current: 5n, total: 35n, unit: "symbols" });
  assert.match(phaseLine(running), / 5\/35 symbols $/);
});
