import { connectInBackground, type EventStreamConfig, ensureStream, eventStreamConfig, subscribeEvents } from "@sigma/events";
import { type Logger, UnavailableError } from "@sigma/runtime";
import type { NatsConnection } from "nats";
import type { FeedSubscribeOptions, StatusEventFeed } from "./event-feed.js";

/** Options of {@link natsEventFeed}. */
export interface NatsEventFeedOptions {
  /** nats://host:4222 (comma-separated for several servers). */
  readonly url: string;
  readonly stream: Partial<EventStreamConfig>;
  readonly logger: Logger;
  /** First-connect retry delay, doubling up to `maxRetryMs` (defaults 250 / 5000 ms). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

/** A NATS feed; close() stops connecting and drains the connection. */
export interface NatsEventFeed extends StatusEventFeed {
  close(): Promise<void>;
}

/**
 * The JetStream event stream as a status feed that never blocks start-up: the connection is
 * made in the background (retried with capped backoff, logged), and until it is up headSeq()
 * and subscribe() fail with UNAVAILABLE, which the consumer logs and retries. Once connected,
 * the client reconnects by itself; the stream is created if missing (the status service may
 * start before the first run publishes).
 */
export function natsEventFeed(o: NatsEventFeedOptions): NatsEventFeed {
  const stream = eventStreamConfig(o.stream);
  const conn = connectInBackground(o.url, {
    name: "status",
    logger: o.logger,
    retryMs: o.retryMs,
    maxRetryMs: o.maxRetryMs,
  });
  let streamReady = false;

  const connected = async (): Promise<NatsConnection> => {
    const nc = conn.current();
    if (!nc || !conn.isConnected()) throw new UnavailableError(`NATS at ${o.url} is not reachable`);
    if (!streamReady) {
      await ensureStream(await nc.jetstreamManager(), stream);
      streamReady = true;
    }
    return nc;
  };

  return {
    async headSeq() {
      const nc = await connected();
      const info = await (await nc.jetstreamManager()).streams.info(stream.name);
      return info.state.last_seq;
    },
    async *subscribe(options: FeedSubscribeOptions) {
      const nc = await connected();
      yield* subscribeEvents({
        afterSeq: options.afterSeq,
        signal: options.signal,
        runId: options.runId,
        nc,
        stream,
        // One bad message must not freeze the projection: log it, skip it, and count it as read.
        onDecodeError: (err) => {
          o.logger.error({ err, seq: err.seq }, "skipped an undecodable event");
          if (err.seq !== undefined) options.onSkip?.(err.seq);
        },
      });
    },
    close: () => conn.close(),
  };
}
