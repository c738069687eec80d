/**
 * The consuming side's common types, shared by the NATS subscriber and the memory bus.
 */
import type { RunEvent } from "@sigma/contracts";

/** An event with its position in the stream. */
export interface SequencedEvent {
  /** Stream sequence (JetStream stream sequence, or the memory bus's 1..n): strictly increasing. */
  readonly seq: number;
  readonly event: RunEvent;
}

/** Options of an event subscription. */
export interface SubscribeOptions {
  /** Deliver events with `seq > afterSeq` (default 0: from the start of the stream). */
  readonly afterSeq?: number;
  /** Ends the subscription: the iterator then completes normally (no AbortError is thrown). */
  readonly signal: AbortSignal;
  /** Only this run's events (default: every run). */
  readonly runId?: string;
}

/** Something that can replay and follow run events. */
export interface EventSource {
  /**
   * Replays stored events after `afterSeq` in order, then follows new ones live, until the signal
   * aborts. No loss, no duplicates within one subscription.
   */
  subscribe(options: SubscribeOptions): AsyncIterable<SequencedEvent>;
}

/**
 * Validates `afterSeq`.
 *
 * @throws RangeError for a negative or non-integer value.
 */
export function checkAfterSeq(afterSeq: number | undefined): number {
  const v = afterSeq ?? 0;
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`afterSeq must be a non-negative integer, got ${v}`);
  return v;
}
