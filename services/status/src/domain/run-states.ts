/**
 * Reading the shared state vocabulary (`sigma.common.v1.RunStatus` / `PhaseState`) from run
 * events, with fallbacks for events published before those fields existed (they stay in the
 * durable stream), and mapping it onto the status view's enums.
 */
import { LegacyPhaseState, type PhaseFinished, PhaseState, type RunFinished, RunStatus } from "@sigma/contracts";

/** The deprecated run_finished.status strings of old events. */
const LEGACY_FINISHED: Readonly<Record<string, RunStatus>> = {
  completed: RunStatus.COMPLETED,
  completed_with_warnings: RunStatus.COMPLETED_WITH_WARNINGS,
  failed: RunStatus.FAILED,
  cancelled: RunStatus.CANCELLED,
};

/** Run statuses after which nothing about the run changes. */
export const FINAL_RUN_STATUSES: ReadonlySet<RunStatus> = new Set([
  RunStatus.COMPLETED,
  RunStatus.COMPLETED_WITH_WARNINGS,
  RunStatus.FAILED,
  RunStatus.CANCELLED,
]);

/** How a RunFinished event is read: the final status, or why it could not be. */
export type FinishedStatus = { readonly status: RunStatus } | { readonly unknown: string };

/**
 * The final status a RunFinished event reports: `run_status` when set, else the deprecated
 * `status` string of an older event.
 *
 * @returns `{ unknown }` (with the raw value) when neither names a final status
 */
export function finishedRunStatus(finished: RunFinished): FinishedStatus {
  if (FINAL_RUN_STATUSES.has(finished.runStatus)) return { status: finished.runStatus };
  // Deprecated field: still set by older coordinators and present in the stream's history.
  const legacy = LEGACY_FINISHED[finished.status];
  if (legacy !== undefined && finished.runStatus === RunStatus.UNSPECIFIED) return { status: legacy };
  return { unknown: finished.runStatus !== RunStatus.UNSPECIFIED ? `run_status ${finished.runStatus}` : `"${finished.status}"` };
}

/** Phase states a PhaseFinished event may carry. */
const FINISHED_PHASE_STATES: ReadonlySet<PhaseState> = new Set([
  PhaseState.COMPLETED,
  PhaseState.FAILED,
  PhaseState.INCOMPLETE,
  PhaseState.CANCELLED,
]);

/**
 * How a phase ended: `state` when set, else the deprecated `success` flag of an older event
 * (true → completed, false → failed).
 */
export function finishedPhaseState(finished: PhaseFinished): PhaseState {
  if (FINISHED_PHASE_STATES.has(finished.state)) return finished.state;
  return finished.success ? PhaseState.COMPLETED : PhaseState.FAILED;
}

/**
 * The deprecated PhaseView.state of a phase state, for clients that have not moved to
 * `phase_state`: incomplete reads as failed (it did not cover every date) and cancelled as
 * pending (it did not finish), which is what those clients showed before the new states.
 */
export function legacyPhaseStateOf(state: PhaseState): LegacyPhaseState {
  switch (state) {
    case PhaseState.PENDING:
    case PhaseState.CANCELLED:
      return LegacyPhaseState.PENDING;
    case PhaseState.RUNNING:
      return LegacyPhaseState.RUNNING;
    case PhaseState.COMPLETED:
      return LegacyPhaseState.COMPLETED;
    case PhaseState.FAILED:
    case PhaseState.INCOMPLETE:
      return LegacyPhaseState.FAILED;
    default:
      return LegacyPhaseState.UNSPECIFIED;
  }
}
