/**
 * The read use cases of the status service, shared by the RPCs and the web API so both answer
 * alike: access check, readiness, NOT_FOUND for an unknown run, and watches that end with the
 * run.
 */
import {
  type GetActivityLogResponse,
  GetActivityLogResponseSchema,
  RunState,
  type StatusView,
  type WatchStatusResponse,
} from "@sigma/contracts";
import { create } from "@bufbuild/protobuf";
import { InvalidArgumentError, NotFoundError, type Principal } from "@sigma/runtime";
import type { ProjectionReadiness } from "../domain/readiness.js";
import { FINAL_RUN_STATUSES } from "../domain/run-states.js";
import { describeTarget, type TargetRef } from "../domain/target.js";
import type { StatusWatchHub } from "../domain/watch.js";
import { authorizeRunAccess } from "./access.js";

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
   * The status of a run, or of a portfolio's latest run (state NOT_FOUND while the portfolio
   * has none: the onboarding page waits for its first run).
   *
   * @throws PermissionDeniedError, UnavailableError (replaying), NotFoundError for an unknown run id
   */
  getStatus(principal: Principal, target: TargetRef): StatusView {
    this.check(principal);
    const view = this.hub.projection.getStatus(target, this.now());
    if (view.state === RunState.NOT_FOUND && "runId" in target) throw notFound(target);
    return view;
  }

  /**
   * The full activity log of a run (a portfolio without runs has an empty one, run id "").
   *
   * @throws PermissionDeniedError, UnavailableError (replaying), NotFoundError for an unknown run id
   */
  getActivityLog(principal: Principal, target: TargetRef): GetActivityLogResponse {
    this.check(principal);
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
   * appear, then the watch ends with NotFoundError.
   *
   * @returns cancel(): stops the watch (idempotent; the sink gets no end())
   * @throws PermissionDeniedError, UnavailableError (replaying), InvalidArgumentError for a bad resumeAfter
   */
  watch(principal: Principal, target: TargetRef, resumeAfter: number, sink: WatchSink): () => void {
    this.check(principal);
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

    const waitsForRun = "runId" in target && projection.resolveRunId(target) === undefined;
    if (waitsForRun) timer = setTimeout(() => finish(notFound(target)), this.graceMs);
    else start();
    unsubscribe = this.hub.subscribe(target, resumeAfter, (update) => {
      if (over) return;
      // A run watcher waiting for its run skips the NOT_FOUND placeholder.
      if (!started && update.status?.state === RunState.NOT_FOUND) return;
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

  private check(principal: Principal): void {
    authorizeRunAccess(principal);
    this.readiness.requireReady();
  }
}

function notFound(target: TargetRef): NotFoundError {
  return new NotFoundError(`${describeTarget(target)} not found`);
}
