/**
 * The projection's state: plain JSON-safe records (snapshots are a structured clone). Written by
 * the projection (projection.ts), read by the view rendering (status-view.ts).
 */
import { type ActivityLevel, PHASES, type Phase, type PhaseState, phaseInfo, type RunStatus } from "@sigma/contracts";

/**
 * Snapshot format version; bump when the record shapes below change (2: shared RunStatus,
 * 3: run owner). A version-2 snapshot is still read: its runs get an empty owner (see
 * `StatusProjection.fromSnapshot`).
 */
export const SNAPSHOT_VERSION = 3;

/** One phase of a run. */
export interface PhaseRecord {
  phase: Phase;
  state: PhaseState;
  /** emitted_at of phase_started, epoch milliseconds (null when the event had none). */
  startedAtMs: number | null;
  durationSeconds: number;
  current: number;
  total: number;
  unit: string;
  summary: string;
  /** Whether a date-progress line was already logged for this phase ("first" sampling rule). */
  sawDateProgress: boolean;
}

/** One activity line; `sampled` says whether it belongs in the recent view. */
export interface ActivityRecord {
  seq: number;
  atMs: number | null;
  level: ActivityLevel;
  message: string;
  symbol: string;
  date: string;
  sampled: boolean;
}

/** Everything the projection knows about one run. */
export interface RunRecord {
  runId: string;
  portfolioIds: string[];
  /**
   * Owner (token subject) of the run's portfolio, from run_started.owner; empty for a universe
   * run and for a run whose run_started did not carry one (published before owners existed):
   * such runs are operator data (admin only).
   */
  owner: string;
  status: RunStatus;
  source: string;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  /** run_finished.duration_seconds, used when timestamps are missing. */
  reportedDurationSeconds: number;
  phases: PhaseRecord[];
  currentPhase: Phase;
  errorSummary: string;
  /** Stream sequence of the last event applied to this run. */
  lastSeq: number;
  /** Stream sequence of the event that created the record (orders runs by start). */
  firstSeq: number;
  activity: ActivityRecord[];
}

/** JSON checkpoint of a projection (see `StatusProjection.toSnapshot`). */
export interface ProjectionSnapshot {
  version: number;
  lastSeq: number;
  runs: RunRecord[];
  latestRunByPortfolio: Record<string, string>;
  /** Per-run sequences (run_seq) already applied, by run id. */
  appliedRunSeqs: Record<string, number[]>;
}

/** Execution order of each known phase. */
export const PHASE_ORDER: ReadonlyMap<Phase, number> = new Map(PHASES.map((p, i) => [p.phase, i]));

/** The user-facing name of a phase ("Market Data Collection"), or "Phase N" for an unknown one. */
export function phaseName(phase: Phase): string {
  return PHASE_ORDER.has(phase) ? phaseInfo(phase).name : `Phase ${phase}`;
}
