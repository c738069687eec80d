// The shared contract enums Phase, RunSource and SkipReason are used as plain value sets (numbers):
// they are the vocabulary of every phase and counter, and a parallel domain copy would only add a
// mapping that can drift. Run status and phase state are domain types, mapped 1:1 at the edge.
import { type Phase, RunSource, type SkipReason } from "@sigma/contracts";

/** Run lifecycle states as stored in the runs table (SPEC §4 run history). */
export type RunStatusText = "running" | "completed" | "completed_with_warnings" | "failed" | "cancelled";

/** Phase states within a run record. */
export type PhaseStateText = "pending" | "running" | "completed" | "failed" | "incomplete" | "cancelled";

/** Counters every phase reports: inputs, outputs and skips by typed reason. */
export interface PhaseCountersRecord {
  inputs: number;
  outputs: number;
  /** Skip counts keyed by SkipReason enum value. */
  skipped: Partial<Record<SkipReason, number>>;
}

/** One phase's entry in a run record. */
export interface PhaseRecord {
  phase: Phase;
  state: PhaseStateText;
  durationSeconds: number;
  counters: PhaseCountersRecord;
  summary: string;
}

/** A per-symbol (or per-portfolio) data-quality problem recorded on a run. */
export interface ProblemRecord {
  symbol: string;
  reason: SkipReason;
  message: string;
  date: string;
}

/** The in-memory image of one row of the runs table. */
export interface RunRecord {
  id: string;
  source: RunSource;
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

/** Run source enum → the text stored in the runs table and sent in RunStarted events. */
export const RUN_SOURCE_TEXT: Record<RunSource, string> = {
  [RunSource.UNSPECIFIED]: "manual",
  [RunSource.CRON]: "cron",
  [RunSource.ONBOARDING]: "onboarding",
  [RunSource.ADMIN]: "admin",
  [RunSource.MANUAL]: "manual",
};

/** Parses a stored source string back to the enum (unknown → MANUAL). */
export function runSourceFromText(text: string): RunSource {
  switch (text) {
    case "cron":
      return RunSource.CRON;
    case "onboarding":
      return RunSource.ONBOARDING;
    case "admin":
      return RunSource.ADMIN;
    default:
      return RunSource.MANUAL;
  }
}

/** Adds `n` skips with `reason` to a counters record. */
export function addSkip(counters: PhaseCountersRecord, reason: SkipReason, n = 1): void {
  counters.skipped[reason] = (counters.skipped[reason] ?? 0) + n;
}

/** Total skips over every reason. */
export function totalSkipped(counters: PhaseCountersRecord): number {
  return Object.values(counters.skipped).reduce((a, b) => a + (b ?? 0), 0);
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
