/**
 * An in-process event bus with JetStream's semantics, for `sigma dev` without a nats-server: sequences
 * 1..n, replay from any sequence then live follow, de-duplication by `run_id:run_seq`. Events are kept
 * encoded, so subscribers get independent decoded copies exactly as over the wire.
 *
 * Memory grows with the number of events (nothing expires): meant for development sessions only.
 */
import type { RunEvent } from "@sigma/contracts";
import { decodeRunEvent, encodeRunEvent, eventMessageId } from "./codec.js";
import type { EventPublisher, PublishResult } from "./publisher.js";
import { checkAfterSeq, type EventSource, type SequencedEvent, type SubscribeOptions } from "./source.js";

/** Publisher and source in one object. */
export interface MemoryBus extends EventPublisher, EventSource {
  /** Sequence of the last stored event (0 when empty). */
  lastSeq(): number;
}

interface Stored {
  readonly runId: string;
  readonly bytes: Uint8Array;
}

/**
 * Creates an empty in-process bus.
 *
 * - `publish` stores the event under the next sequence, or reports `duplicate` with the original
 *   sequence when its `run_id:run_seq` was already stored. After `close()` it reports undelivered.
 * - `subscribe` yields stored events after `afterSeq`, then waits for new ones; `close()` ends every
 *   subscription.
 */
export function createMemoryBus(): MemoryBus {
  const log: Stored[] = []; // log[i] has sequence i + 1
  const byMsgId = new Map<string, number>();
  let waiters: (() => void)[] = [];
  let undeliveredCount = 0;
  let closed = false;

  const wakeAll = (): void => {
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  };

  async function* subscribe(options: SubscribeOptions): AsyncGenerator<SequencedEvent> {
    let next = checkAfterSeq(options.afterSeq); // index of the next event to yield (= its seq - 1)
    const { signal } = options;
    let wake: (() => void) | undefined;
    const onAbort = (): void => {
      // Drop this subscriber's waiter so aborted subscriptions do not accumulate until the next publish.
      waiters = waiters.filter((w) => w !== wake);
      wake?.();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      while (!signal.aborted) {
        if (next < log.length) {
          const stored = log[next]!;
          next += 1;
          if (options.runId !== undefined && stored.runId !== options.runId) continue;
          yield { seq: next, event: decodeRunEvent(stored.bytes, next) };
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
          waiters.push(resolve);
        });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  return {
    async publish(event: RunEvent): Promise<PublishResult> {
      const msgId = eventMessageId(event);
      if (closed) {
        undeliveredCount += 1;
        return { delivered: false };
      }
      const existing = byMsgId.get(msgId);
      if (existing !== undefined) return { delivered: true, seq: existing, duplicate: true };
      log.push({ runId: event.runId, bytes: encodeRunEvent(event) });
      byMsgId.set(msgId, log.length);
      wakeAll();
      return { delivered: true, seq: log.length, duplicate: false };
    },
    undelivered: () => undeliveredCount,
    lastSeq: () => log.length,
    subscribe,
    async close() {
      closed = true;
      wakeAll();
    },
  };
}
