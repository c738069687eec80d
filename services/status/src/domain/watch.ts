/**
 * WatchStatus semantics over a {@link StatusProjection}.
 *
 * Resume contract (SPEC §5 "resumes after a given event sequence without loss or duplicates"):
 * every message carries `seq`, the stream sequence up to which its status is complete. A client
 * stores the last `seq` it received and passes it back as `resume_after` when it reconnects.
 * The server then
 *  1. sends the current status once (seq = the projection's lastSeq, no event) when the
 *     target changed after `resume_after` — or always when `resume_after` is 0 (a new watcher);
 *  2. sends one message per later event that affects the target, with that event's seq and the
 *     event itself, and never one for an event with seq ≤ `resume_after`.
 * Events between `resume_after` and the projection's lastSeq are folded into the initial status
 * rather than replayed one by one: the status is a state, so nothing is lost, and as every
 * later message has a greater seq than the initial one, nothing is sent twice.
 * When the server is behind the client (`resume_after` ≥ lastSeq, e.g. while it replays the
 * stream after a restart), no initial message is sent and updates start after `resume_after`.
 *
 * Race freedom: take the initial message and register the listener in the same synchronous
 * step (as {@link StatusWatchHub.subscribe} does), so no event can be applied in between.
 */
import { create } from "@bufbuild/protobuf";
import { WatchStatusResponseSchema, type RunEvent, type WatchStatusResponse } from "@sigma/contracts";
import type { StatusProjection } from "./projection.js";
import type { TargetRef } from "./target.js";

/**
 * The first message of a watch, or undefined when the client is already up to date.
 *
 * @param resumeAfter - last seq the client has (0 = none: always answer with the current status)
 * @param now - clock for elapsed times in the status view
 * @throws RangeError when resumeAfter is negative or not a safe integer
 */
export function initialWatchResponse(
  projection: StatusProjection,
  target: TargetRef,
  resumeAfter: number,
  now: Date,
): WatchStatusResponse | undefined {
  checkResumeAfter(resumeAfter);
  const last = projection.lastSeq;
  if (resumeAfter > 0) {
    if (resumeAfter >= last) return undefined;
    // Nothing about this target changed since the client's seq: it has the current state.
    if (projection.targetLastSeq(target) <= resumeAfter) return undefined;
  }
  return create(WatchStatusResponseSchema, {
    seq: BigInt(last),
    status: projection.getStatus(target, now),
  });
}

/**
 * The message for an event that was just applied, or undefined when it does not concern the
 * watcher (its target resolves to none of `affectedRunIds`, or `seq` ≤ `resumeAfter`).
 *
 * @param affectedRunIds - the return value of {@link StatusProjection.apply} for this event
 */
export function watchUpdate(
  projection: StatusProjection,
  target: TargetRef,
  resumeAfter: number,
  seq: number,
  event: RunEvent,
  affectedRunIds: readonly string[],
  now: Date,
): WatchStatusResponse | undefined {
  if (seq <= resumeAfter || affectedRunIds.length === 0) return undefined;
  // Resolve after applying: a portfolio watcher follows the portfolio to a newly started run.
  const runId = projection.resolveRunId(target);
  if (runId === undefined || !affectedRunIds.includes(runId)) return undefined;
  return create(WatchStatusResponseSchema, {
    seq: BigInt(seq),
    status: projection.getStatus(target, now),
    event,
  });
}

function checkResumeAfter(resumeAfter: number): void {
  if (!Number.isSafeInteger(resumeAfter) || resumeAfter < 0) {
    throw new RangeError(`resume_after must be a non-negative safe integer, got ${resumeAfter}`);
  }
}

/** Receives watch messages; called synchronously from subscribe() and apply(). */
export type WatchListener = (update: WatchStatusResponse) => void;

/** Options of {@link StatusWatchHub}. */
export interface StatusWatchHubOptions {
  /** Clock for elapsed times; defaults to the system clock. */
  readonly now?: () => Date;
  /**
   * Called when a listener throws; that listener is removed (its stream is broken). Without
   * it, apply() rethrows the listener errors as an AggregateError after notifying the others.
   */
  readonly onListenerError?: (error: unknown, target: TargetRef) => void;
}

interface Watcher {
  readonly target: TargetRef;
  readonly resumeAfter: number;
  readonly listener: WatchListener;
}

/**
 * A projection plus its live watchers: the one place that applies stream events, so every
 * applied event reaches every interested watcher exactly once. The service feeds it from the
 * JetStream consumer; WatchStatus and the web page's SSE endpoint subscribe to it.
 */
export class StatusWatchHub {
  private readonly watchers = new Set<Watcher>();
  private readonly now: () => Date;

  constructor(
    readonly projection: StatusProjection,
    private readonly options: StatusWatchHubOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Number of live subscriptions (for metrics and tests). */
  get size(): number {
    return this.watchers.size;
  }

  /**
   * Applies an event to the projection and notifies the watchers it affects.
   *
   * @returns the affected run ids (see {@link StatusProjection.apply})
   * @throws RangeError for an invalid seq; AggregateError when listeners threw and no
   *   `onListenerError` was given (the projection is updated regardless)
   */
  apply(seq: number, event: RunEvent): string[] {
    const affected = this.projection.apply(seq, event);
    if (affected.length === 0 || this.watchers.size === 0) return affected;
    const now = this.now();
    const errors: unknown[] = [];
    for (const watcher of [...this.watchers]) {
      const update = watchUpdate(this.projection, watcher.target, watcher.resumeAfter, seq, event, affected, now);
      if (!update) continue;
      try {
        watcher.listener(update);
      } catch (error) {
        this.watchers.delete(watcher);
        if (this.options.onListenerError) this.options.onListenerError(error, watcher.target);
        else errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "status watch listener failed");
    return affected;
  }

  /**
   * Starts a watch: calls `listener` synchronously with the initial message (when one is due,
   * see the module doc), then once per later event affecting the target.
   *
   * @param resumeAfter - the last seq the client has, 0 for a new watcher
   * @returns unsubscribe; idempotent
   * @throws RangeError for an invalid resumeAfter; whatever the listener throws on the
   *   initial message (the watch is then not registered)
   */
  subscribe(target: TargetRef, resumeAfter: number, listener: WatchListener): () => void {
    const initial = initialWatchResponse(this.projection, target, resumeAfter, this.now());
    if (initial) listener(initial);
    const watcher: Watcher = { target, resumeAfter, listener };
    this.watchers.add(watcher);
    return () => {
      this.watchers.delete(watcher);
    };
  }
}
