import { RunStatus } from "./gen/sigma/common/v1/common_pb.js";
import { RunState } from "./gen/sigma/status/v1/status_pb.js";

/** RunStatus ↔ the status view's RunState (same meaning; RunState adds NOT_FOUND, which no run has). */
const PAIRS: readonly (readonly [RunStatus, RunState])[] = [
  [RunStatus.RUNNING, RunState.RUNNING],
  [RunStatus.COMPLETED, RunState.COMPLETED],
  [RunStatus.COMPLETED_WITH_WARNINGS, RunState.COMPLETED_WITH_WARNINGS],
  [RunStatus.FAILED, RunState.FAILED],
  [RunStatus.CANCELLED, RunState.CANCELLED],
];

/** The status view's RunState of a run status (UNSPECIFIED for UNSPECIFIED or an unknown value). */
export function runStateOf(status: RunStatus): RunState {
  return PAIRS.find(([s]) => s === status)?.[1] ?? RunState.UNSPECIFIED;
}

/** The run status a status view's RunState stands for (UNSPECIFIED for NOT_FOUND, UNSPECIFIED or an unknown value). */
export function runStatusOfState(state: RunState): RunStatus {
  return PAIRS.find(([, s]) => s === state)?.[0] ?? RunStatus.UNSPECIFIED;
}
