/**
 * The one spelling of run and phase states in what people read (activity lines, the log
 * download, the web page). Keyed by the enum value names without their prefix, as they appear
 * after `RUN_STATUS_` / `PHASE_STATE_` in proto JSON, so the browser bundle can import this
 * module without the protobuf runtime.
 */

/** Lower-case label of each run status name, e.g. "completed with warnings". */
export const RUN_STATUS_LABELS: Readonly<Record<string, string>> = {
  RUNNING: "running",
  COMPLETED: "completed",
  COMPLETED_WITH_WARNINGS: "completed with warnings",
  FAILED: "failed",
  CANCELLED: "cancelled",
};

/** Lower-case label of each phase state name, e.g. "incomplete". */
export const PHASE_STATE_LABELS: Readonly<Record<string, string>> = {
  PENDING: "pending",
  RUNNING: "running",
  COMPLETED: "completed",
  FAILED: "failed",
  INCOMPLETE: "incomplete",
  CANCELLED: "cancelled",
};

/**
 * The label of a run status name, with or without its `RUN_STATUS_` prefix.
 *
 * @returns "unknown" for a name outside the vocabulary (e.g. UNSPECIFIED)
 */
export function runStatusLabel(name: string): string {
  return RUN_STATUS_LABELS[name.replace(/^RUN_STATUS_/, "")] ?? "unknown";
}

/**
 * The label of a phase state name, with or without its `PHASE_STATE_` prefix.
 *
 * @returns "unknown" for a name outside the vocabulary
 */
export function phaseStateLabel(name: string): string {
  return PHASE_STATE_LABELS[name.replace(/^PHASE_STATE_/, "")] ?? "unknown";
}

/** Capitalizes the first letter: "completed with warnings" → "Completed with warnings". */
export function capitalize(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}
