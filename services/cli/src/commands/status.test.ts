import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { LegacyPhaseState, PhaseState, PhaseViewSchema, RunState, StatusViewSchema } from "@sigma/contracts";
import { phaseLine, runLine } from "./status.js";

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

test("a cancelled phase shows as cancelled (phase_state), an older server's view still shows its state", () => {
  const cancelled = create(PhaseViewSchema, {
    name: "Portfolio Snapshots",
    state: LegacyPhaseState.PENDING,
    phaseState: PhaseState.CANCELLED,
  });
  assert.match(phaseLine(cancelled), /^ {2}⊘ Portfolio Snapshots/);
  const old = create(PhaseViewSchema, { name: "Market Data Collection", state: LegacyPhaseState.FAILED });
  assert.match(phaseLine(old), /^ {2}✗ Market Data Collection/);
});

test("the run state reads in words", () => {
  assert.match(
    runLine(create(StatusViewSchema, { runId: "r", state: RunState.COMPLETED_WITH_WARNINGS })),
    /^run r: completed with warnings /,
  );
});
