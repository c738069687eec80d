import type { DescEnum } from "@bufbuild/protobuf";
import {
  LegacyPhaseStateSchema,
  type PhaseRun,
  PhaseState,
  PhaseStateSchema,
  type PhaseView,
  type Run,
  RunStatus,
  RunStatusSchema,
  runStatusOfState,
  type StatusView,
} from "@sigma/contracts";

/**
 * The one spelling of an enum value everywhere the CLI prints it (text and `--json`): its proto
 * name without the shared type prefix, in lower snake case, e.g. RUN_STATUS_COMPLETED_WITH_WARNINGS
 * → "completed_with_warnings", SKIP_REASON_NO_CLOSE → "no_close". Unknown numbers (a newer server)
 * print as the number so nothing is hidden.
 */
export function enumWord(schema: DescEnum, value: number): string {
  const v = schema.value[value];
  if (!v) return String(value);
  const prefix = (schema.sharedPrefix ?? "").toLowerCase();
  const name = v.name.toLowerCase();
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** A run record's status: `run_status`, else the deprecated `status` (servers before the common enum). */
export function runStatusOf(run: Pick<Run, "runStatus" | "status">): RunStatus {
  if (run.runStatus !== RunStatus.UNSPECIFIED) return run.runStatus;
  // Same numbers in both enums (the contract says so); only the type differs.
  return run.status as number as RunStatus;
}

/** A phase record's state: `phase_state`, else the deprecated free-text `state`. */
export function phaseRunStateOf(p: Pick<PhaseRun, "phaseState" | "state">): PhaseState {
  if (p.phaseState !== PhaseState.UNSPECIFIED) return p.phaseState;
  const byWord = PhaseStateSchema.values.find((v) => enumWord(PhaseStateSchema, v.number) === p.state.toLowerCase());
  return (byWord?.number ?? PhaseState.UNSPECIFIED) as PhaseState;
}

/** A status view's run status: `run_status`, else derived from the (status-service) `state`. */
export function viewStatusOf(v: Pick<StatusView, "runStatus" | "state">): RunStatus {
  return v.runStatus !== RunStatus.UNSPECIFIED ? v.runStatus : runStatusOfState(v.state);
}

/** A status view's phase state: `phase_state`, else the deprecated status-service enum (same numbers). */
export function phaseViewStateOf(p: Pick<PhaseView, "phaseState" | "state">): PhaseState {
  if (p.phaseState !== PhaseState.UNSPECIFIED) return p.phaseState;
  return (LegacyPhaseStateSchema.value[p.state] ? p.state : 0) as number as PhaseState;
}

/** "completed_with_warnings", "failed", ... */
export function runStatusWord(s: RunStatus): string {
  return enumWord(RunStatusSchema, s);
}

/** "completed", "incomplete", ... */
export function phaseStateWord(s: PhaseState): string {
  return enumWord(PhaseStateSchema, s);
}

/** True once a run can change no more. */
export function isFinal(s: RunStatus): boolean {
  return s === RunStatus.COMPLETED || s === RunStatus.COMPLETED_WITH_WARNINGS || s === RunStatus.FAILED || s === RunStatus.CANCELLED;
}

/** True when the run ended without producing what it was asked for (exit code 1). */
export function isUnsuccessful(s: RunStatus): boolean {
  return s === RunStatus.FAILED || s === RunStatus.CANCELLED;
}
