import type { EventSource } from "@sigma/events";
import type { Logger } from "@sigma/runtime";
import type { ProjectionReadiness } from "../domain/readiness.js";
import type { StatusWatchHub } from "../domain/watch.js";
import { asStatusEventFeed } from "./event-feed.js";

/** Options of {@link runProjectionConsumer}. */
export interface ProjectionConsumerOptions {
  readonly source: EventSource;
  readonly hub: StatusWatchHub;
  readonly readiness: ProjectionReadiness;
  readonly logger: Logger;
  /** Ends the consumer. */
  readonly signal: AbortSignal;
  /** Delay before the first retry after a failure, doubling up to `maxRetryMs` (defaults 250 / 10 000 ms). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/**
 * Feeds the projection from the event stream until `signal` aborts: replays from the last
 * applied sequence, marks the projection ready once it has read up to where the stream ended
 * when the subscription began, then follows live. Any failure (NATS down at start, a NATS
 * restart, a subscription that ends) is logged and retried with capped exponential backoff from
 * the last applied sequence, so nothing is lost or applied twice.
 *
 * A source that cannot report its head (a plain EventSource, not a feed or the memory bus) is
 * taken as ready at once, with a warning.
 *
 * @returns a promise that settles when the consumer has stopped (never rejects)
 */
export async function runProjectionConsumer(o: ProjectionConsumerOptions): Promise<void> {
  const { hub, readiness, logger, signal } = o;
  const initialDelay = o.retryMs ?? 250;
  const maxDelay = o.maxRetryMs ?? 10_000;
  const feed = asStatusEventFeed(o.source);
  if (!feed) {
    logger.warn("the event source cannot report where the stream ends; the status service reports ready without waiting for its replay");
    readiness.markReady();
  }
  let delay = initialDelay;
  let failures = 0;
  while (!signal.aborted) {
    try {
      const head = feed ? await feed.headSeq() : 0;
      if (head < hub.projection.lastSeq) {
        logger.error(
          { head, lastSeq: hub.projection.lastSeq },
          "the event stream ends before the projection's last event (stream recreated?); later events with lower sequences are ignored",
        );
      }
      const caughtUp = (): void => {
        if (readiness.isReady || hub.projection.lastSeq < head) return;
        readiness.markReady();
        logger.info({ lastSeq: hub.projection.lastSeq }, "status projection replayed the event stream; serving");
      };
      caughtUp();
      if (failures > 0) logger.info({ afterSeq: hub.projection.lastSeq, failures }, "event stream reachable again; resubscribing");
      const events = (feed ?? o.source).subscribe({
        afterSeq: hub.projection.lastSeq,
        signal,
        onSkip: (seq: number) => {
          hub.projection.skip(seq);
          caughtUp();
        },
      } as Parameters<EventSource["subscribe"]>[0]);
      for await (const { seq, event } of events) {
        hub.apply(seq, event);
        caughtUp();
        failures = 0;
        delay = initialDelay;
      }
      if (signal.aborted) return;
      // The subscription ended without being aborted (consumer or connection closed): resume.
      logger.warn({ lastSeq: hub.projection.lastSeq, retryInMs: delay }, "event subscription ended; resubscribing");
    } catch (err) {
      if (signal.aborted) return;
      failures += 1;
      logger.warn(
        { err, failures, retryInMs: delay, lastSeq: hub.projection.lastSeq, ready: readiness.isReady },
        readiness.isReady
          ? "event stream failed; resubscribing after the last applied event"
          : "cannot replay the event stream yet (NATS unreachable?); health stays NOT_SERVING",
      );
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, maxDelay);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
