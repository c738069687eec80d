/**
 * Rendering the projection's records as the StatusService views (StatusView, activity
 * entries). Pure and clock-free: time-dependent values take `nowMs` from the caller.
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ActivityEntry,
  ActivityEntrySchema,
  GetActivityLogResponseSchema,
  type GetActivityLogResponse,
  PhaseState,
  type PhaseView,
  PhaseViewSchema,
  phaseInfo,
  RunState,
  RunStatus,
  type StatusView,
  StatusViewSchema,
} from "@sigma/contracts";
import { type ActivityRecord, PHASE_ORDER, type PhaseRecord, phaseName, type RunRecord } from "./run-record.js";
import { runStateOf } from "@sigma/contracts";
import { legacyPhaseStateOf } from "./run-states.js";
import type { TargetRef } from "./target.js";

/** How many activity lines the recent view keeps (SPEC §5). */
export const RECENT_ACTIVITY_LIMIT = 50;

/** The view of a target nothing is known about: state NOT_FOUND, at the projection's `lastSeq`. */
export function notFoundView(target: TargetRef, lastSeq: number): StatusView {
  return create(StatusViewSchema, {
    state: RunState.NOT_FOUND,
    runId: "runId" in target ? target.runId : "",
    portfolioId: "portfolioId" in target ? target.portfolioId : "",
    lastSeq: BigInt(lastSeq),
  });
}

/**
 * The status view of a run as seen through `target` (a portfolio target names its portfolio).
 *
 * @param nowMs - the caller's clock, for the elapsed time and the live duration of a running
 *   phase of a running run (a finished run uses finished_at − started_at)
 */
export function renderStatusView(run: RunRecord, target: TargetRef, nowMs: number): StatusView {
  const running = run.status === RunStatus.RUNNING;
  const portfolioId = "portfolioId" in target ? target.portfolioId : run.portfolioIds.length === 1 ? run.portfolioIds[0]! : "";
  return create(StatusViewSchema, {
    state: runStateOf(run.status),
    runStatus: run.status,
    runId: run.runId,
    portfolioId,
    startedAt: run.startedAtMs === null ? undefined : timestampFromMs(run.startedAtMs),
    finishedAt: run.finishedAtMs === null ? undefined : timestampFromMs(run.finishedAtMs),
    elapsedSeconds: elapsedSeconds(run, nowMs),
    currentPhase: run.currentPhase,
    phasesCompleted: run.phases.filter((p) => p.state === PhaseState.COMPLETED).length,
    phasesTotal: run.phases.length,
    percent: overallPercent(run),
    phases: run.phases.map((p) => phaseView(p, nowMs, running)),
    recentActivity: recentActivity(run.activity).map(toEntry),
    errorSummary: run.errorSummary,
    source: run.source,
    lastSeq: BigInt(run.lastSeq),
  });
}

/** The full activity log of a run (every line, unsampled), oldest first. */
export function renderActivityLog(run: RunRecord): GetActivityLogResponse {
  return create(GetActivityLogResponseSchema, { runId: run.runId, entries: run.activity.map(toEntry) });
}

/** The last {@link RECENT_ACTIVITY_LIMIT} sampled lines, oldest first. */
export function recentActivity(activity: readonly ActivityRecord[]): ActivityRecord[] {
  const out: ActivityRecord[] = [];
  for (let i = activity.length - 1; i >= 0 && out.length < RECENT_ACTIVITY_LIMIT; i--) {
    const a = activity[i]!;
    if (a.sampled) out.push(a);
  }
  return out.reverse();
}

function toEntry(a: ActivityRecord): ActivityEntry {
  return create(ActivityEntrySchema, {
    seq: BigInt(a.seq),
    at: a.atMs === null ? undefined : timestampFromMs(a.atMs),
    level: a.level,
    message: a.message,
    symbol: a.symbol,
    date: a.date,
  });
}

function phaseView(p: PhaseRecord, nowMs: number, running: boolean): PhaseView {
  const info = PHASE_ORDER.has(p.phase) ? phaseInfo(p.phase) : undefined;
  const liveDuration =
    running && p.state === PhaseState.RUNNING && p.startedAtMs !== null ? Math.max(0, (nowMs - p.startedAtMs) / 1000) : p.durationSeconds;
  return create(PhaseViewSchema, {
    phase: p.phase,
    label: info?.label ?? "",
    name: info?.name ?? phaseName(p.phase),
    state: legacyPhaseStateOf(p.state),
    phaseState: p.state,
    durationSeconds: liveDuration,
    current: BigInt(p.current),
    total: BigInt(p.total),
    unit: p.unit,
    summary: p.summary,
  });
}

/**
 * Overall percent: completed phases plus the done fraction of the running phase, over all
 * phases; 100 once the run completed (with or without warnings).
 */
function overallPercent(run: RunRecord): number {
  if (run.status === RunStatus.COMPLETED || run.status === RunStatus.COMPLETED_WITH_WARNINGS) return 100;
  if (run.phases.length === 0) return 0;
  let done = 0;
  for (const p of run.phases) {
    if (p.state === PhaseState.COMPLETED) done += 1;
    else if (p.state === PhaseState.RUNNING && p.total > 0) done += Math.min(1, Math.max(0, p.current / p.total));
  }
  return Math.min(100, (done / run.phases.length) * 100);
}

function elapsedSeconds(run: RunRecord, nowMs: number): number {
  if (run.startedAtMs === null) return run.reportedDurationSeconds;
  const end = run.status === RunStatus.RUNNING ? nowMs : (run.finishedAtMs ?? nowMs);
  return Math.max(0, (end - run.startedAtMs) / 1000);
}
