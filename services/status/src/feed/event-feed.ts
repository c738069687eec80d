import type { EventSource, SubscribeOptions } from "@sigma/events";

/** Options of {@link StatusEventFeed.subscribe}. */
export interface FeedSubscribeOptions extends SubscribeOptions {
  /** A stored message at `seq` could not be decoded and was skipped (already logged). */
  readonly onSkip?: (seq: number) => void;
}

/**
 * The event stream as the status projection reads it: replay-then-follow (an EventSource) plus
 * where the stream ends right now, so the service knows when its replay is done.
 */
export interface StatusEventFeed extends EventSource {
  subscribe(options: FeedSubscribeOptions): ReturnType<EventSource["subscribe"]>;
  /**
   * Sequence of the last event stored in the stream now (0 when empty).
   *
   * @throws when the stream cannot be reached (e.g. NATS down); the caller retries
   */
  headSeq(): Promise<number>;
}

/**
 * The source as a feed when it can report where the stream ends: a {@link StatusEventFeed}, or
 * the memory bus (its `lastSeq()`, e.g. as `sigma dev` passes it).
 *
 * @returns undefined for a plain EventSource
 */
export function asStatusEventFeed(source: EventSource): StatusEventFeed | undefined {
  if (typeof (source as Partial<StatusEventFeed>).headSeq === "function") return source as StatusEventFeed;
  const bus = source as EventSource & { lastSeq?: unknown };
  if (typeof bus.lastSeq === "function") return memoryEventFeed(bus as EventSource & { lastSeq(): number });
  return undefined;
}

/**
 * The in-process bus (`sigma dev` without NATS, tests) as a feed.
 *
 * @param bus - anything with the memory bus's `subscribe` and `lastSeq()`
 */
export function memoryEventFeed(bus: EventSource & { lastSeq(): number }): StatusEventFeed {
  return {
    subscribe: (options) => bus.subscribe(options),
    headSeq: async () => bus.lastSeq(),
  };
}
