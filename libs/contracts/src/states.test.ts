import assert from "node:assert/strict";
import { test } from "node:test";
import { RunStatus } from "./gen/sigma/common/v1/common_pb.js";
import { RunState } from "./gen/sigma/status/v1/status_pb.js";
import { runStateOf, runStatusOfState } from "./states.js";

test("RunStatus and RunState map one to one; NOT_FOUND and UNSPECIFIED have no run status", () => {
  for (const s of [RunStatus.RUNNING, RunStatus.COMPLETED, RunStatus.COMPLETED_WITH_WARNINGS, RunStatus.FAILED, RunStatus.CANCELLED]) {
    assert.equal(runStatusOfState(runStateOf(s)), s);
    assert.equal(RunState[runStateOf(s)], RunStatus[s]);
  }
  assert.equal(runStateOf(RunStatus.UNSPECIFIED), RunState.UNSPECIFIED);
  assert.equal(runStatusOfState(RunState.NOT_FOUND), RunStatus.UNSPECIFIED);
  assert.equal(runStatusOfState(99 as RunState), RunStatus.UNSPECIFIED);
});
