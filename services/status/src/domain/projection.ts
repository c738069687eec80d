/**
 * The status projection: which runs exist, which is each portfolio's latest, and where in the
 * stream it has read to. Applying an event to a run is apply-event.ts; rendering views is
 * status-view.ts.
 */
import { create } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import {
  ActivityLevel,
  type GetActivityLogResponse,
  GetActivityLogResponseSchema,
  type RunEvent,
  type RunStatus,
  type StatusView,
} from "@sigma/contracts";
import { applyPayload, newRun } from "./apply-event.js";
import { type ProjectionSnapshot, type RunRecord, SNAPSHOT_VERSION } from "./run-record.js";
import { FINAL_RUN_STATUSES } from "./run-states.js";
import { notFoundView, renderActivityLog, renderStatusView } from "./status-view.js";
import type { TargetRef } from "./target.js";

export type { ActivityRecord, PhaseRecord, ProjectionSnapshot, RunRecord } from "./run-record.js";

/** One line of {@link StatusProjection.recentRuns}. */
export interface RunSummary {
  readonly runId: string;
  readonly portfolioIds: readonly string[];
  readonly owner: string;
  readonly status: RunStatus;
  readonly source: string;
  readonly startedAtMs: number | null;
  readonly finishedAtMs: number | null;
  readonly errorSummary: string;
  /** Warning lines in the run's full activity log. */
  readonly warnings: number;
}

/** Who a run belongs to (see {@link StatusProjection.runScope}). */
export interface RunScope {
  /** Owner (token subject) of the run's portfolio; empty for a universe run. */
  readonly owner: string;
  readonly portfolioIds: readonly string[];
}
export { SNAPSHOT_VERSION } from "./run-record.js";
export { RECENT_ACTIVITY_LIMIT, recentActivity } from "./status-view.js";

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
    if (FINAL_RUN_STATUSES.has(run.status)) return [];
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
   * Records that the event at `seq` could not be decoded: it advances {@link lastSeq} like an
   * event without a run id, so the projection knows it has read that far and a resubscription
   * does not read it again.
   *
   * @returns false when `seq` is not beyond {@link lastSeq} (nothing changed)
   * @throws RangeError when `seq` is not a positive safe integer
   */
  skip(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq <= 0) {
      throw new RangeError(`stream sequence must be a positive safe integer, got ${seq}`);
    }
    if (seq <= this.seq) return false;
    this.seq = seq;
    return true;
  }

  /** The final status of a run, or RUNNING while it runs; undefined for an unknown run. */
  runStatus(runId: string): RunStatus | undefined {
    return this.runs.get(runId)?.status;
  }

  /**
   * Who a run belongs to: its owner (empty for a universe run or one recorded before owners
   * existed) and its portfolios; undefined for an unknown run. The access rule lives in the
   * use cases (usecases/access.ts).
   */
  runScope(runId: string): RunScope | undefined {
    const run = this.runs.get(runId);
    return run && { owner: run.owner, portfolioIds: [...run.portfolioIds] };
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
    if (!run) return notFoundView(target, this.seq);
    return renderStatusView(run, target, now.getTime());
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
    return renderActivityLog(run);
  }

  /** Stream sequence of the last event applied to the target's run (0 when unknown). */
  targetLastSeq(target: TargetRef): number {
    const runId = this.resolveRunId(target);
    return runId === undefined ? 0 : (this.runs.get(runId)?.lastSeq ?? 0);
  }

  /**
   * The runs `include` accepts, newest first (by the stream position of their first event),
   * at most `limit` of them: the web app's "recent runs" without asking the coordinator
   * (whose ListRuns is admin-only).
   *
   * @param limit - 1..500; larger values are clamped
   */
  recentRuns(include: (scope: RunScope) => boolean, limit: number): RunSummary[] {
    const n = Math.max(1, Math.min(500, Math.floor(limit)));
    const out: RunSummary[] = [];
    const runs = [...this.runs.values()].sort((a, b) => b.firstSeq - a.firstSeq);
    for (const run of runs) {
      if (out.length >= n) break;
      if (!include({ owner: run.owner, portfolioIds: run.portfolioIds })) continue;
      out.push({
        runId: run.runId,
        portfolioIds: [...run.portfolioIds],
        owner: run.owner,
        status: run.status,
        source: run.source,
        startedAtMs: run.startedAtMs,
        finishedAtMs: run.finishedAtMs,
        errorSummary: run.errorSummary,
        warnings: run.activity.filter((a) => a.level === ActivityLevel.WARNING).length,
      });
    }
    return out;
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
   * A version-2 snapshot (before owners were recorded) is read with every run's owner empty:
   * its runs stay admin-only rather than guessing an owner.
   *
   * @throws Error when the snapshot version is neither {@link SNAPSHOT_VERSION} nor 2
   */
  static fromSnapshot(snapshot: ProjectionSnapshot): StatusProjection {
    if (snapshot.version !== SNAPSHOT_VERSION && snapshot.version !== 2) {
      throw new Error(`unsupported status snapshot version ${snapshot.version}`);
    }
    const projection = new StatusProjection();
    const copy = structuredClone(snapshot);
    projection.seq = copy.lastSeq;
    for (const run of copy.runs) projection.runs.set(run.runId, { ...run, owner: typeof run.owner === "string" ? run.owner : "" });
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
