import assert from "node:assert/strict";
import { test } from "node:test";
import { LegacyRunStatus, Phase, PhaseState, RunSource, RunStatus } from "@sigma/contracts";
import type { PhaseStateText, RunRecord, RunStatusText } from "../domain/run-record.js";
import { runToProto, statusFilter } from "./run-mapper.js";

const record = (status: RunStatusText, states: PhaseStateText[], problemsOmitted = 0): RunRecord => ({
  id: "00000000-0000-4000-8000-000000000001",
  source: "admin",
  scope: "universe",
  portfolioId: "",
  requestedStartDate: "",
  requestedEndDate: "",
  forceRerun: false,
  status,
  asOf: "",
  targetDate: "2020-01-23",
  startDate: "2020-01-23",
  endDate: "2020-01-23",
  datesTotal: 1,
  datesCompleted: 0,
  datesFailed: 1,
  phases: states.map((state, i) => ({
    phase: (i + 1) as Phase,
    state,
    durationSeconds: 0,
    counters: { inputs: 0, outputs: 0, skipped: {} },
    summary: "",
  })),
  problems: [],
  problemsOmitted,
  warnings: [],
  errorSummary: "",
  eventsUndelivered: 0,
  holder: "h",
  startedAt: new Date(0),
  heartbeatAt: new Date(0),
  finishedAt: null,
});

test("every run status and phase state maps 1:1 to the shared enums, with the deprecated fields still filled", () => {
  const run = runToProto(record("cancelled", ["completed", "failed", "incomplete", "cancelled", "pending", "running"]));
  assert.equal(run.runStatus, RunStatus.CANCELLED);
  assert.equal(run.source, RunSource.ADMIN);
  assert.equal(run.status, LegacyRunStatus.CANCELLED);
  assert.deepEqual(
    run.phases.map((p) => [p.phaseState, p.state]),
    [
      [PhaseState.COMPLETED, "completed"],
      [PhaseState.FAILED, "failed"],
      [PhaseState.INCOMPLETE, "incomplete"],
      [PhaseState.CANCELLED, "cancelled"],
      [PhaseState.PENDING, "pending"],
      [PhaseState.RUNNING, "running"],
    ],
  );
  assert.equal(run.phases[0]?.phase, Phase.MARKET_DATA);
  for (const s of ["running", "completed", "completed_with_warnings", "failed", "cancelled"] as const) {
    assert.equal(RunStatus[runToProto(record(s, [])).runStatus], s.toUpperCase());
    assert.equal(statusFilter(runToProto(record(s, [])).runStatus, LegacyRunStatus.UNSPECIFIED), s);
  }
});

test("problems beyond the kept ones are counted on the run, never silently dropped", () => {
  assert.match(runToProto(record("completed_with_warnings", [], 250)).warnings.join(";"), /250 more problem\(s\) not listed/);
});
