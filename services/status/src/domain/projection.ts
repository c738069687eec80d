import { create } from "@bufbuild/protobuf";
import { timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ActivityEntrySchema,
  ActivityLevel,
  GetActivityLogResponseSchema,
  PHASES,
  Phase,
  PhaseState,
  type LegacyPhaseState,
  PhaseViewSchema,
  RunState,
  StatusViewSchema,
  phaseInfo,
  type ActivityEntry,
  type GetActivityLogResponse,
  type PhaseView,
  type RunEvent,
  type StatusView,
} from "@sigma/contracts";
import { isDateUnit, isSampledDateProgress } from "./sampling.js";
import type { TargetRef } from "./target.js";

/** How many activity lines the recent view keeps (SPEC §5). */
export const RECENT_ACTIVITY_LIMIT = 50;

/** Run states after a RunFinished event. */
const TERMINAL_STATES: ReadonlySet<RunState> = new Set([
  RunState.COMPLETED,
  RunState.COMPLETED_WITH_WARNINGS,
  RunState.FAILED,
  RunState.CANCELLED,
]);

/** Snapshot format version; bump when the record shapes below change. */
export const SNAPSHOT_VERSION = 1;

/** One phase of a run. Plain JSON-safe data so snapshots are a structured clone. */
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
  state: RunState;
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

/** JSON checkpoint of a projection (see {@link StatusProjection.toSnapshot}). */
export interface ProjectionSnapshot {
  version: number;
  lastSeq: number;
  runs: RunRecord[];
  latestRunByPortfolio: Record<string, string>;
  /** Per-run sequences (run_seq) already applied, by run id. */
  appliedRunSeqs: Record<string, number[]>;
}

/** Maps run_finished.status strings to run states (SPEC §4 run history statuses). */
const FINISHED_STATES: Readonly<Record<string, RunState>> = {
  completed: RunState.COMPLETED,
  completed_with_warnings: RunState.COMPLETED_WITH_WARNINGS,
  failed: RunState.FAILED,
  cancelled: RunState.CANCELLED,
};

/** Execution order of each phase, used to insert phases not announced by run_started. */
const PHASE_ORDER = new Map(PHASES.map((p, i) => [p.phase, i]));

/**
 * A pure, deterministic projection of the run-event stream into per-run and per-portfolio
 * status (SPEC §5).
 *
 * Events are applied in stream order with their JetStream stream sequence. Applying an event
 * whose sequence is not greater than {@link lastSeq} is a no-op, so replaying the stream from
 * the start or from a checkpoint rebuilds the same state without duplicates. The projection
 * never reads a clock: every time-dependent answer takes `now` from the caller.
 *
 * Memory: every run and its full activity log are kept (GetActivityLog needs them); the
 * service is expected to start from a checkpoint or a bounded stream.
 */
export class StatusProjection {
  private readonly runs = new Map<string, RunRecord>();
  private readonly latestRunByPortfolio = new Map<string, string>();
  /** run_seq values applied per run: guards against a re-published event. */
  private readonly appliedRunSeqs = new Map<string, Set<number>>();
  private seq = 0;

  /** Stream sequence of the last applied event (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Applies one event.
   *
   * @param seq - JetStream stream sequence of the event (positive safe integer, increasing)
   * @param event - the decoded run event
   * @returns the ids of the runs whose status changed (empty for a replayed or ignored event).
   *   A portfolio watcher is affected when its portfolio currently resolves to one of them.
   * @throws RangeError when `seq` is not a positive safe integer
   */
  apply(seq: number, event: RunEvent): string[] {
    if (!Number.isSafeInteger(seq) || seq <= 0) {
      throw new RangeError(`stream sequence must be a positive safe integer, got ${seq}`);
    }
    if (seq <= this.seq) return [];
    this.seq = seq;
    // An event without a run id cannot be attributed; it still advances lastSeq so replay skips it.
    if (event.runId === "") return [];

    const run = this.runFor(seq, event);
    // A run's final event is final: events published after it (by a coordinator that lost the
    // run's lease and has not noticed yet) must not reopen or rewrite it.
    if (TERMINAL_STATES.has(run.state)) return [];
    const runSeq = Number(event.runSeq);
    // JetStream de-duplicates by run_seq only inside its window; a later re-publish must not
    // double-count progress or log lines.
    if (runSeq > 0) {
      let applied = this.appliedRunSeqs.get(run.runId);
      if (!applied) this.appliedRunSeqs.set(run.runId, (applied = new Set()));
      if (applied.has(runSeq)) return [];
      applied.add(runSeq);
    }
    run.lastSeq = seq;
    const atMs = event.emittedAt ? timestampMs(event.emittedAt) : null;
    applyPayload(run, seq, atMs, event);
    return [run.runId];
  }

  /**
   * Resolves a target to a run id: the run itself if known, or the portfolio's latest run
   * (the one whose first event came last in the stream).
   *
   * @returns undefined when nothing is known about the target
   */
  resolveRunId(target: TargetRef): string | undefined {
    if ("runId" in target) return this.runs.has(target.runId) ? target.runId : undefined;
    return this.latestRunByPortfolio.get(target.portfolioId);
  }

  /**
   * Builds the status view of a target.
   *
   * @param now - the caller's clock; used for elapsed time and running phase durations of a
   *   running run (a finished run uses finished_at − started_at)
   * @returns a view with state NOT_FOUND (and `lastSeq` of the projection) for an unknown target
   */
  getStatus(target: TargetRef, now: Date): StatusView {
    const runId = this.resolveRunId(target);
    const run = runId === undefined ? undefined : this.runs.get(runId);
    if (!run) {
      return create(StatusViewSchema, {
        state: RunState.NOT_FOUND,
        runId: "runId" in target ? target.runId : "",
        portfolioId: "portfolioId" in target ? target.portfolioId : "",
        lastSeq: BigInt(this.seq),
      });
    }
    return buildView(run, target, now.getTime());
  }

  /**
   * Returns the full activity log of a target's run (every line, unsampled), oldest first.
   *
   * @returns a response with an empty run id and no entries for an unknown target
   */
  getActivityLog(target: TargetRef): GetActivityLogResponse {
    const runId = this.resolveRunId(target);
    const run = runId === undefined ? undefined : this.runs.get(runId);
    if (!run) return create(GetActivityLogResponseSchema);
    return create(GetActivityLogResponseSchema, {
      runId: run.runId,
      entries: run.activity.map(toEntry),
    });
  }

  /** Stream sequence of the last event applied to the target's run (0 when unknown). */
  targetLastSeq(target: TargetRef): number {
    const runId = this.resolveRunId(target);
    return runId === undefined ? 0 : (this.runs.get(runId)?.lastSeq ?? 0);
  }

  /** Serializes the whole projection to a JSON-safe checkpoint (deep copy). */
  toSnapshot(): ProjectionSnapshot {
    return structuredClone({
      version: SNAPSHOT_VERSION,
      lastSeq: this.seq,
      runs: [...this.runs.values()],
      latestRunByPortfolio: Object.fromEntries(this.latestRunByPortfolio),
      appliedRunSeqs: Object.fromEntries([...this.appliedRunSeqs].map(([id, seqs]) => [id, [...seqs]])),
    });
  }

  /**
   * Rebuilds a projection from {@link toSnapshot} output; the caller then replays the stream
   * from `snapshot.lastSeq + 1` (earlier events would be ignored anyway).
   *
   * @throws Error when the snapshot version is not {@link SNAPSHOT_VERSION}
   */
  static fromSnapshot(snapshot: ProjectionSnapshot): StatusProjection {
    if (snapshot.version !== SNAPSHOT_VERSION) {
      throw new Error(`unsupported status snapshot version ${snapshot.version}`);
    }
    const projection = new StatusProjection();
    const copy = structuredClone(snapshot);
    projection.seq = copy.lastSeq;
    for (const run of copy.runs) projection.runs.set(run.runId, run);
    for (const [portfolio, runId] of Object.entries(copy.latestRunByPortfolio)) {
      projection.latestRunByPortfolio.set(portfolio, runId);
    }
    for (const [runId, seqs] of Object.entries(copy.appliedRunSeqs)) {
      projection.appliedRunSeqs.set(runId, new Set(seqs));
    }
    return projection;
  }

  /** Finds or creates the run record; a new run becomes its portfolios' latest run. */
  private runFor(seq: number, event: RunEvent): RunRecord {
    let run = this.runs.get(event.runId);
    if (!run) {
      run = newRun(event.runId, seq);
      this.runs.set(run.runId, run);
    }
    // Portfolios may be listed on any event; a run adopts a portfolio only if it is newer
    // (started later in the stream) than the portfolio's current latest run.
    for (const portfolioId of event.portfolioIds) {
      if (!run.portfolioIds.includes(portfolioId)) run.portfolioIds.push(portfolioId);
      const current = this.latestRunByPortfolio.get(portfolioId);
      const currentFirst = current === undefined ? 0 : (this.runs.get(current)?.firstSeq ?? 0);
      if (current === undefined || run.firstSeq >= currentFirst) {
        this.latestRunByPortfolio.set(portfolioId, run.runId);
      }
    }
    return run;
  }
}

function newRun(runId: string, seq: number): RunRecord {
  return {
    runId,
    portfolioIds: [],
    state: RunState.RUNNING,
    source: "",
    startedAtMs: null,
    finishedAtMs: null,
    reportedDurationSeconds: 0,
    phases: [],
    currentPhase: Phase.UNSPECIFIED,
    errorSummary: "",
    lastSeq: seq,
    firstSeq: seq,
    activity: [],
  };
}

function newPhase(phase: Phase): PhaseRecord {
  return {
    phase,
    state: PhaseState.PENDING,
    startedAtMs: null,
    durationSeconds: 0,
    current: 0,
    total: 0,
    unit: "",
    summary: "",
    sawDateProgress: false,
  };
}

/** Returns the phase record, inserting it in execution order if run_started did not list it. */
function phaseRecord(run: RunRecord, phase: Phase): PhaseRecord {
  const existing = run.phases.find((p) => p.phase === phase);
  if (existing) return existing;
  const record = newPhase(phase);
  const order = PHASE_ORDER.get(phase) ?? Number.MAX_SAFE_INTEGER;
  const at = run.phases.findIndex((p) => (PHASE_ORDER.get(p.phase) ?? Number.MAX_SAFE_INTEGER) > order);
  if (at === -1) run.phases.push(record);
  else run.phases.splice(at, 0, record);
  return record;
}

function phaseName(phase: Phase): string {
  return PHASE_ORDER.has(phase) ? phaseInfo(phase).name : `Phase ${phase}`;
}

function log(
  run: RunRecord,
  seq: number,
  atMs: number | null,
  level: ActivityLevel,
  message: string,
  extra: { symbol?: string; date?: string; sampled?: boolean } = {},
): void {
  run.activity.push({
    seq,
    atMs,
    level,
    message,
    symbol: extra.symbol ?? "",
    date: extra.date ?? "",
    sampled: extra.sampled ?? true,
  });
}

function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(1)}s`;
}

/** Applies the event payload to the run; lifecycle events also add a synthesized log line. */
function applyPayload(run: RunRecord, seq: number, atMs: number | null, event: RunEvent): void {
  const payload = event.payload;
  switch (payload.case) {
    case "runStarted": {
      const started = payload.value;
      run.state = RunState.RUNNING;
      run.source = started.source;
      run.startedAtMs = atMs;
      run.finishedAtMs = null;
      run.errorSummary = "";
      for (const phase of started.phases) {
        if (phase !== Phase.UNSPECIFIED) phaseRecord(run, phase);
      }
      const range = started.startDate ? `, ${started.startDate} → ${started.endDate}` : "";
      log(run, seq, atMs, ActivityLevel.INFO, `Run started (${started.source || "unknown source"}${range})`);
      return;
    }
    case "runFinished": {
      const finished = payload.value;
      const mapped = FINISHED_STATES[finished.status];
      run.state = mapped ?? RunState.FAILED;
      run.finishedAtMs = atMs;
      run.reportedDurationSeconds = finished.durationSeconds;
      run.errorSummary = finished.errorSummary;
      if (mapped === undefined) {
        // A status outside the contract is shown as a failure, and visibly so, rather than
        // dropped: the run is over either way.
        run.errorSummary ||= `unknown run status "${finished.status}"`;
        log(run, seq, atMs, ActivityLevel.ERROR, `Run finished with unknown status "${finished.status}"`);
      }
      closeOpenPhases(run, atMs);
      run.currentPhase = Phase.UNSPECIFIED;
      const label = finished.status.replaceAll("_", " ");
      // The warnings themselves were logged as they happened; repeating them as one more
      // warning line would double-list them on the completion screen.
      const level =
        run.state === RunState.FAILED ? ActivityLevel.ERROR : run.state === RunState.CANCELLED ? ActivityLevel.WARNING : ActivityLevel.INFO;
      const why = finished.errorSummary ? `: ${finished.errorSummary}` : "";
      log(run, seq, atMs, level, `Run ${label}${why}`);
      return;
    }
    case "phaseStarted": {
      const started = payload.value;
      const phase = phaseRecord(run, started.phase);
      phase.state = PhaseState.RUNNING;
      phase.startedAtMs = atMs;
      phase.total = Number(started.total);
      phase.unit = started.unit;
      phase.current = 0;
      run.currentPhase = started.phase;
      log(run, seq, atMs, ActivityLevel.INFO, `${phaseName(started.phase)} started`);
      return;
    }
    case "phaseProgress": {
      const progress = payload.value;
      const phase = phaseRecord(run, progress.phase);
      if (phase.state === PhaseState.PENDING) {
        // Progress without phase_started (e.g. a checkpoint taken mid-phase): treat as running.
        phase.state = PhaseState.RUNNING;
        phase.startedAtMs ??= atMs;
        run.currentPhase = progress.phase;
      }
      phase.current = Number(progress.current);
      if (progress.total > 0n) phase.total = Number(progress.total);
      if (progress.unit) phase.unit = progress.unit;
      if (isDateUnit(phase.unit)) {
        const sampled = isSampledDateProgress(phase.current, phase.total, !phase.sawDateProgress);
        phase.sawDateProgress = true;
        const of = phase.total > 0 ? `/${phase.total}` : "";
        log(run, seq, atMs, ActivityLevel.INFO, `${phaseName(progress.phase)}: ${phase.current}${of} ${phase.unit}`, {
          sampled,
        });
      }
      return;
    }
    case "phaseFinished": {
      const finished = payload.value;
      const phase = phaseRecord(run, finished.phase);
      phase.state = finished.success ? PhaseState.COMPLETED : PhaseState.FAILED;
      phase.durationSeconds =
        finished.durationSeconds > 0
          ? finished.durationSeconds
          : atMs !== null && phase.startedAtMs !== null
            ? Math.max(0, (atMs - phase.startedAtMs) / 1000)
            : 0;
      phase.summary = finished.summary;
      if (finished.success && phase.total > 0) phase.current = phase.total;
      if (run.currentPhase === finished.phase) run.currentPhase = Phase.UNSPECIFIED;
      const verb = finished.success ? "completed" : "failed";
      const summary = finished.summary ? `: ${finished.summary}` : "";
      log(
        run,
        seq,
        atMs,
        finished.success ? ActivityLevel.INFO : ActivityLevel.ERROR,
        `${phaseName(finished.phase)} ${verb} in ${formatSeconds(phase.durationSeconds)}${summary}`,
      );
      return;
    }
    case "activity": {
      const line = payload.value;
      log(run, seq, atMs, line.level === ActivityLevel.UNSPECIFIED ? ActivityLevel.INFO : line.level, line.message, {
        symbol: line.symbol,
        date: line.date,
      });
      return;
    }
    case undefined:
      // An envelope without payload still carries portfolio ids (already applied); nothing else.
      return;
  }
}

/**
 * When a run ends, phases still marked running did not complete: on failure they failed;
 * on cancellation or an "ok" finish they go back to pending (they never finished).
 */
function closeOpenPhases(run: RunRecord, atMs: number | null): void {
  for (const phase of run.phases) {
    if (phase.state !== PhaseState.RUNNING) continue;
    if (atMs !== null && phase.startedAtMs !== null) {
      phase.durationSeconds = Math.max(0, (atMs - phase.startedAtMs) / 1000);
    }
    phase.state = run.state === RunState.FAILED ? PhaseState.FAILED : PhaseState.PENDING;
  }
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

/** The last {@link RECENT_ACTIVITY_LIMIT} sampled lines, oldest first. */
export function recentActivity(activity: readonly ActivityRecord[]): ActivityRecord[] {
  const out: ActivityRecord[] = [];
  for (let i = activity.length - 1; i >= 0 && out.length < RECENT_ACTIVITY_LIMIT; i--) {
    const a = activity[i]!;
    if (a.sampled) out.push(a);
  }
  return out.reverse();
}

function phaseView(p: PhaseRecord, nowMs: number, running: boolean): PhaseView {
  const info = PHASE_ORDER.has(p.phase) ? phaseInfo(p.phase) : undefined;
  const liveDuration =
    running && p.state === PhaseState.RUNNING && p.startedAtMs !== null ? Math.max(0, (nowMs - p.startedAtMs) / 1000) : p.durationSeconds;
  return create(PhaseViewSchema, {
    phase: p.phase,
    label: info?.label ?? "",
    name: info?.name ?? phaseName(p.phase),
    // The deprecated field keeps its four values (1..4 are numbered alike in both enums).
    state: Math.min(p.state, PhaseState.FAILED) as number as LegacyPhaseState,
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
  if (run.state === RunState.COMPLETED || run.state === RunState.COMPLETED_WITH_WARNINGS) return 100;
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
  const end = run.state === RunState.RUNNING ? nowMs : (run.finishedAtMs ?? nowMs);
  return Math.max(0, (end - run.startedAtMs) / 1000);
}

function buildView(run: RunRecord, target: TargetRef, nowMs: number): StatusView {
  const running = run.state === RunState.RUNNING;
  const portfolioId = "portfolioId" in target ? target.portfolioId : run.portfolioIds.length === 1 ? run.portfolioIds[0]! : "";
  return create(StatusViewSchema, {
    state: run.state,
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
