import { LegacyRunStatus, PhaseState, RunSource, RunStatus } from "@sigma/contracts";
import type { PhaseStateText, RunSourceText, RunStatusText } from "../domain/run-record.js";

/** Run source enum → the domain's text (UNSPECIFIED counts as manual). */
export const RUN_SOURCE_TO_TEXT: Readonly<Record<RunSource, RunSourceText>> = {
  [RunSource.UNSPECIFIED]: "manual",
  [RunSource.CRON]: "cron",
  [RunSource.ONBOARDING]: "onboarding",
  [RunSource.ADMIN]: "admin",
  [RunSource.MANUAL]: "manual",
};

/** The domain's run source → its enum. */
export const RUN_SOURCE_TO_PROTO: Readonly<Record<RunSourceText, RunSource>> = {
  cron: RunSource.CRON,
  onboarding: RunSource.ONBOARDING,
  admin: RunSource.ADMIN,
  manual: RunSource.MANUAL,
};

/** Domain run status → the shared contract enum (1:1). */
export const RUN_STATUS_TO_PROTO: Readonly<Record<RunStatusText, RunStatus>> = {
  running: RunStatus.RUNNING,
  completed: RunStatus.COMPLETED,
  completed_with_warnings: RunStatus.COMPLETED_WITH_WARNINGS,
  failed: RunStatus.FAILED,
  cancelled: RunStatus.CANCELLED,
};

/** Domain run status → the deprecated coordinator enum (same numbers), still filled for old readers. */
export const RUN_STATUS_TO_LEGACY: Readonly<Record<RunStatusText, LegacyRunStatus>> = {
  running: LegacyRunStatus.RUNNING,
  completed: LegacyRunStatus.COMPLETED,
  completed_with_warnings: LegacyRunStatus.COMPLETED_WITH_WARNINGS,
  failed: LegacyRunStatus.FAILED,
  cancelled: LegacyRunStatus.CANCELLED,
};

/** Domain phase state → the shared contract enum (1:1). */
export const PHASE_STATE_TO_PROTO: Readonly<Record<PhaseStateText, PhaseState>> = {
  pending: PhaseState.PENDING,
  running: PhaseState.RUNNING,
  completed: PhaseState.COMPLETED,
  failed: PhaseState.FAILED,
  incomplete: PhaseState.INCOMPLETE,
  cancelled: PhaseState.CANCELLED,
};

/** Shared run-status enum → domain status (UNSPECIFIED or unknown → undefined: no filter). */
export function runStatusFromProto(s: RunStatus): RunStatusText | undefined {
  return (Object.entries(RUN_STATUS_TO_PROTO) as [RunStatusText, RunStatus][]).find(([, v]) => v === s)?.[0];
}

/** Deprecated coordinator enum → domain status (UNSPECIFIED or unknown → undefined). */
export function runStatusFromLegacy(s: LegacyRunStatus): RunStatusText | undefined {
  return (Object.entries(RUN_STATUS_TO_LEGACY) as [RunStatusText, LegacyRunStatus][]).find(([, v]) => v === s)?.[0];
}
