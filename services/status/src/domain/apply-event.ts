/**
 * Applying one run event to a run's record: the state transitions of the projection and the
 * activity lines they synthesize. Rendering the records as views is status-view.ts.
 */
import { ActivityLevel, Phase, PhaseState, type RunEvent, RunStatus } from "@sigma/contracts";
import { phaseStateLabel, runStatusLabel } from "./labels.js";
import { PHASE_ORDER, type PhaseRecord, phaseName, type RunRecord } from "./run-record.js";
import { finishedPhaseState, finishedRunStatus } from "./run-states.js";
import { isDateUnit, isSampledDateProgress } from "./sampling.js";

/** A new run record, created by the first event seen for it (at stream sequence `seq`). */
export function newRun(runId: string, seq: number): RunRecord {
  return {
    runId,
    portfolioIds: [],
    owner: "",
    status: RunStatus.RUNNING,
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
export function applyPayload(run: RunRecord, seq: number, atMs: number | null, event: RunEvent): void {
  const payload = event.payload;
  switch (payload.case) {
    case "runStarted": {
      const started = payload.value;
      run.status = RunStatus.RUNNING;
      run.source = started.source;
      run.owner = started.owner;
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
      const read = finishedRunStatus(finished);
      // A status outside the contract is shown as a failure, and visibly so, rather than
      // dropped: the run is over either way.
      run.status = "status" in read ? read.status : RunStatus.FAILED;
      run.finishedAtMs = atMs;
      run.reportedDurationSeconds = finished.durationSeconds;
      run.errorSummary = finished.errorSummary;
      if ("unknown" in read) {
        run.errorSummary ||= `unknown run status ${read.unknown}`;
        log(run, seq, atMs, ActivityLevel.ERROR, `Run finished with unknown status ${read.unknown}`);
      }
      closeOpenPhases(run, atMs);
      run.currentPhase = Phase.UNSPECIFIED;
      // The warnings themselves were logged as they happened; repeating them as one more
      // warning line would double-list them on the completion screen.
      const level =
        run.status === RunStatus.FAILED
          ? ActivityLevel.ERROR
          : run.status === RunStatus.CANCELLED
            ? ActivityLevel.WARNING
            : ActivityLevel.INFO;
      const why = finished.errorSummary ? `: ${finished.errorSummary}` : "";
      log(run, seq, atMs, level, `Run ${runStatusLabel(RunStatus[run.status])}${why}`);
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
      const state = finishedPhaseState(finished);
      phase.state = state;
      phase.durationSeconds =
        finished.durationSeconds > 0
          ? finished.durationSeconds
          : atMs !== null && phase.startedAtMs !== null
            ? Math.max(0, (atMs - phase.startedAtMs) / 1000)
            : 0;
      phase.summary = finished.summary;
      if (state === PhaseState.COMPLETED && phase.total > 0) phase.current = phase.total;
      if (run.currentPhase === finished.phase) run.currentPhase = Phase.UNSPECIFIED;
      const summary = finished.summary ? `: ${finished.summary}` : "";
      const how = state === PhaseState.COMPLETED || state === PhaseState.FAILED ? "in" : "after";
      log(
        run,
        seq,
        atMs,
        PHASE_END_LEVEL[state] ?? ActivityLevel.ERROR,
        `${phaseName(finished.phase)} ${phaseStateLabel(PhaseState[state])} ${how} ${formatSeconds(phase.durationSeconds)}${summary}`,
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

/** Severity of the line logged when a phase ends in each state. */
const PHASE_END_LEVEL: Partial<Record<PhaseState, ActivityLevel>> = {
  [PhaseState.COMPLETED]: ActivityLevel.INFO,
  [PhaseState.FAILED]: ActivityLevel.ERROR,
  [PhaseState.INCOMPLETE]: ActivityLevel.WARNING,
  [PhaseState.CANCELLED]: ActivityLevel.WARNING,
};

/**
 * When a run ends, phases still marked running did not finish: they failed with a failed run,
 * were cancelled with a cancelled one, and are incomplete when the run reported success anyway.
 * Phases that never started stay pending.
 */
function closeOpenPhases(run: RunRecord, atMs: number | null): void {
  const state =
    run.status === RunStatus.FAILED ? PhaseState.FAILED : run.status === RunStatus.CANCELLED ? PhaseState.CANCELLED : PhaseState.INCOMPLETE;
  for (const phase of run.phases) {
    if (phase.state !== PhaseState.RUNNING) continue;
    if (atMs !== null && phase.startedAtMs !== null) {
      phase.durationSeconds = Math.max(0, (atMs - phase.startedAtMs) / 1000);
    }
    phase.state = state;
  }
}
