// Domain-local types only (no contract import): run status, phase state and run source are text
// (as stored), mapped 1:1 to the contract enums at the edge (runner/status-enums.ts); phase ids and
// skip reasons are the contract's numbers, carried as plain numbers.

/** A phase of the pipeline: the sigma.common.v1.Phase number (run records store it as is). */
export type PhaseId = number;

/** A typed skip reason: the sigma.common.v1.SkipReason number. */
export type SkipReasonId = number;

/** Who asked for a run, as stored in the runs table and sent in RunStarted. */
export type RunSourceText = "cron" | "onboarding" | "admin" | "manual";

/** Run lifecycle states as stored in the runs table (SPEC §4 run history). */
export type RunStatusText = "running" | "completed" | "completed_with_warnings" | "failed" | "cancelled";

/** Phase states within a run record. */
export type PhaseStateText = "pending" | "running" | "completed" | "failed" | "incomplete" | "cancelled";

/** Counters every phase reports: inputs, outputs and skips by typed reason. */
export interface PhaseCountersRecord {
  inputs: number;
  outputs: number;
  /** Skip counts keyed by SkipReason enum value. */
  skipped: Partial<Record<SkipReasonId, number>>;
}

/** One phase's entry in a run record. */
export interface PhaseRecord {
  phase: PhaseId;
  state: PhaseStateText;
  durationSeconds: number;
  counters: PhaseCountersRecord;
  summary: string;
}

/** A per-symbol (or per-portfolio) data-quality problem recorded on a run. */
export interface ProblemRecord {
  symbol: string;
  reason: SkipReasonId;
  message: string;
  date: string;
}

/** The in-memory image of one row of the runs table. */
export interface RunRecord {
  id: string;
  source: RunSourceText;
  scope: string;
  portfolioId: string;
  requestedStartDate: string;
  requestedEndDate: string;
  forceRerun: boolean;
  status: RunStatusText;
  asOf: string;
  targetDate: string;
  startDate: string;
  endDate: string;
  datesTotal: number;
  datesCompleted: number;
  datesFailed: number;
  phases: PhaseRecord[];
  /** The first {@link MAX_PROBLEMS} problems (see {@link addProblem}). */
  problems: ProblemRecord[];
  /** Problems recorded beyond {@link MAX_PROBLEMS} and not kept (only counted). */
  problemsOmitted: number;
  warnings: string[];
  errorSummary: string;
  eventsUndelivered: number;
  holder: string;
  startedAt: Date;
  heartbeatAt: Date;
  finishedAt: Date | null;
}

/** Adds `n` skips with `reason` to a counters record. */
export function addSkip(counters: PhaseCountersRecord, reason: SkipReasonId, n = 1): void {
  counters.skipped[reason] = (counters.skipped[reason] ?? 0) + n;
}

/** Total skips over every reason. */
export function totalSkipped(counters: PhaseCountersRecord): number {
  return Object.values(counters.skipped).reduce<number>((a, b) => a + (b ?? 0), 0);
}

/** Problems kept on a run record; the rest are counted in `problemsOmitted` (a record stays readable). */
export const MAX_PROBLEMS = 1000;

/** Records a problem on a run, keeping at most {@link MAX_PROBLEMS} and counting the rest. */
export function addProblem(run: Pick<RunRecord, "problems" | "problemsOmitted">, p: ProblemRecord): void {
  if (run.problems.length < MAX_PROBLEMS) run.problems.push(p);
  else run.problemsOmitted += 1;
}

/** Every problem of a run, kept or only counted. */
export function problemCount(run: Pick<RunRecord, "problems" | "problemsOmitted">): number {
  return run.problems.length + run.problemsOmitted;
}

/** True for the final statuses (the run record is written once more, then never again). */
export function isFinal(status: RunStatusText): boolean {
  return status !== "running";
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed run id (a UUID, the runs table's key); anything else cannot name a run. */
export function isRunId(id: string): boolean {
  return RUN_ID.test(id);
}
