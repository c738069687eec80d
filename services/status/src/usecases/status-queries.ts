/**
 * The read use cases of the status service, shared by the RPCs and the web API so both answer
 * alike: readiness, the access rule (usecases/access.ts: admins see every run, an owner the runs
 * of their portfolios), NOT_FOUND for an unknown run (admins only), and watches that end with the
 * run.
 *
 * What a non-admin learns is the same for a missing target and for someone else's: a
 * PERMISSION_DENIED. That includes a portfolio without any run (an admin gets the NOT_FOUND
 * view for it): without a run there is no owner to compare with, so the status service cannot
 * tell the owner from anyone else. A watch by a non-admin of a target they cannot see yet waits
 * {@link StatusQueriesOptions.unknownRunGraceMs} for one of their runs to appear (a run the
 * coordinator has just started may not have reached the stream), then ends PERMISSION_DENIED
 * (also for someone else's existing run, so the timing tells nothing either).
 */
import {
  ActivityLevel,
  type GetActivityLogResponse,
  GetActivityLogResponseSchema,
  RunState,
  type StatusView,
  type WatchStatusResponse,
} from "@sigma/contracts";
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, isAdmin, NotFoundError, type Principal } from "@sigma/runtime";
import type { RunSummary } from "../domain/projection.js";
import type { ProjectionReadiness } from "../domain/readiness.js";
import { FINAL_RUN_STATUSES } from "../domain/run-states.js";
import { describeTarget, type TargetRef } from "../domain/target.js";
import { type AggregatedWarning, aggregateWarningLines } from "../domain/warnings.js";
import type { StatusWatchHub } from "../domain/watch.js";
import { authorizeRunRead, mayReadRun, runReadDenied } from "./access.js";

/** Where a watch delivers: the RPC stream or the SSE response. */
export interface WatchSink {
  /** The watch is established: the target is known (or a portfolio). Called once, before any update. */
  start(): void;
  /** One status message. */
  update(update: WatchStatusResponse): void;
  /**
   * The watch is over: after the run's final event (no error), or with a NotFoundError when the
   * run did not appear within the grace period. Called at most once; no call after cancel().
   */
  end(error?: unknown): void;
}

/** Options of {@link StatusQueries}. */
export interface StatusQueriesOptions {
  /** Clock for elapsed times (default: the system clock). */
  readonly now?: () => Date;
  /**
   * How long a watch of an unknown run waits for its first event before it ends with NOT_FOUND
   * (ms, default 10 000): a run id the coordinator has just returned may not have reached the
   * stream yet (its events go through an outbox).
   */
  readonly unknownRunGraceMs?: number;
}

/** GetStatus, GetActivityLog and WatchStatus over the projection. */
export class StatusQueries {
  private readonly now: () => Date;
  private readonly graceMs: number;

  constructor(
    private readonly hub: StatusWatchHub,
    private readonly readiness: ProjectionReadiness,
    options: StatusQueriesOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.graceMs = options.unknownRunGraceMs ?? 10_000;
  }

  /**
   * The status of a run, or of a portfolio's latest run (for an admin, state NOT_FOUND while
   * the portfolio has none: the onboarding page waits for its first run).
   *
   * @throws UnavailableError (replaying), PermissionDeniedError (see the module doc),
   *   NotFoundError for an unknown run id (admins)
   */
  getStatus(principal: Principal, target: TargetRef): StatusView {
    this.check(principal, target);
    const view = this.hub.projection.getStatus(target, this.now());
    if (view.state === RunState.NOT_FOUND && "runId" in target) throw notFound(target);
    return view;
  }

  /**
   * The warnings of a run's full activity log aggregated per symbol and reason (see
   * domain/warnings.ts), with the same access rule as the log.
   *
   * @throws like {@link getActivityLog}
   */
  getWarnings(principal: Principal, target: TargetRef): { runId: string; warnings: AggregatedWarning[] } {
    const log = this.getActivityLog(principal, target);
    const lines = log.entries.filter((e) => e.level === ActivityLevel.WARNING);
    return { runId: log.runId, warnings: aggregateWarningLines(lines) };
  }

  /**
   * The most recent runs the principal may read (admins: every run; others: runs of their own
   * portfolios), newest first.
   *
   * @param limit - at most this many (clamped to 1..500)
   * @throws UnavailableError while the projection replays
   */
  recentRuns(principal: Principal, limit: number): RunSummary[] {
    this.readiness.requireReady();
    return this.hub.projection.recentRuns((scope) => mayReadRun(principal, scope), limit);
  }

  /**
   * The full activity log of a run (for an admin, a portfolio without runs has an empty one,
   * run id "").
   *
   * @throws UnavailableError (replaying), PermissionDeniedError (see the module doc),
   *   NotFoundError for an unknown run id (admins)
   */
  getActivityLog(principal: Principal, target: TargetRef): GetActivityLogResponse {
    this.check(principal, target);
    const log = this.hub.projection.getActivityLog(target);
    if (log.runId === "") {
      if ("runId" in target) throw notFound(target);
      return create(GetActivityLogResponseSchema);
    }
    return log;
  }

  /**
   * Starts a watch (WatchStatus semantics, see domain/watch.ts), which ends by itself after the
   * run's final event; an unknown run id gets {@link StatusQueriesOptions.unknownRunGraceMs} to
   * appear, then the watch ends with NotFoundError (admins) or PermissionDeniedError (others,
   * who also wait this long for a target they cannot see: see the module doc).
   *
   * @returns cancel(): stops the watch (idempotent; the sink gets no end())
   * @throws UnavailableError (replaying), InvalidArgumentError for a bad resumeAfter
   */
  watch(principal: Principal, target: TargetRef, resumeAfter: number, sink: WatchSink): () => void {
    this.readiness.requireReady();
    if (!Number.isSafeInteger(resumeAfter) || resumeAfter < 0) {
      throw new InvalidArgumentError("resume_after must be >= 0", { violations: [{ field: "resume_after", description: "negative" }] });
    }
    const projection = this.hub.projection;
    let started = false;
    let over = false;
    let unsubscribe: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error?: unknown): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      unsubscribe?.();
      sink.end(error);
    };
    const start = (): void => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      sink.start();
    };
    const finalRun = (): boolean => {
      const runId = projection.resolveRunId(target);
      const status = runId === undefined ? undefined : projection.runStatus(runId);
      return status !== undefined && FINAL_RUN_STATUSES.has(status);
    };

    const admin = isAdmin(principal);
    const visible = (): boolean => mayReadRun(principal, this.scopeOf(target));

    const waits = admin ? "runId" in target && projection.resolveRunId(target) === undefined : !visible();
    if (waits) timer = setTimeout(() => finish(admin ? notFound(target) : runReadDenied()), this.graceMs);
    else start();
    unsubscribe = this.hub.subscribe(target, resumeAfter, (update) => {
      if (over) return;
      if (!started) {
        // A watcher waiting for its run skips the NOT_FOUND placeholder, and a non-admin every
        // message about a run that is not theirs.
        if (update.status?.state === RunState.NOT_FOUND || !visible()) return;
      } else if (!visible()) {
        // A portfolio watch that moved on to a run this caller may not see (one published
        // without an owner): stop rather than show it.
        finish(runReadDenied());
        return;
      }
      start();
      sink.update(update);
      if (finalRun()) finish();
    });
    // Already over before subscribe returned (a finished run's initial message), or a client that
    // is up to date with a finished run: nothing more will come.
    if (over) unsubscribe();
    else if (started && finalRun()) finish();
    return () => {
      over = true;
      clearTimeout(timer);
      unsubscribe?.();
    };
  }

  /**
   * Readiness first: until the replay is done the projection cannot tell an owner's run from
   * someone else's, so everyone gets UNAVAILABLE (which reveals nothing about the target).
   */
  private check(principal: Principal, target: TargetRef): void {
    this.readiness.requireReady();
    authorizeRunRead(principal, this.scopeOf(target));
  }

  private scopeOf(target: TargetRef) {
    const runId = this.hub.projection.resolveRunId(target);
    return runId === undefined ? undefined : this.hub.projection.runScope(runId);
  }
}

function notFound(target: TargetRef): NotFoundError {
  return new NotFoundError(`${describeTarget(target)} not found`);
}
