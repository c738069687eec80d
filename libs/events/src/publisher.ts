/**
 * The publishing side of run events. A publish never throws for transport failures: it reports
 * `{ delivered: false }` (counted and logged), so the caller decides what to do. The coordinator
 * publishes only from its transactional outbox, keeping an undelivered event there and retrying it;
 * the msgID `run_id:run_seq` makes a repeated publish a no-op in the stream.
 */
import type { NatsConnection } from "nats";
import type { RunEvent } from "@sigma/contracts";
import { encodeRunEvent, eventMessageId } from "./codec.js";
import { connectInBackground, type BackgroundConnection } from "./connection.js";
import type { LogSink } from "./log-sink.js";
import { ensureStream } from "./stream.js";
import { eventStreamConfig, runSubject, type EventStreamConfig } from "./subjects.js";

/** Outcome of one publish. */
export interface PublishResult {
  /** True when the stream acknowledged the event (stored now or earlier as a duplicate). */
  readonly delivered: boolean;
  /** Stream sequence of the stored event, when delivered. */
  readonly seq?: number;
  /** True when the stream already held this `run_id:run_seq` and dropped the copy. */
  readonly duplicate?: boolean;
}

/** Publishes run events; never throws for transport failures. */
export interface EventPublisher {
  /**
   * Publishes one event. Resolves `{ delivered: false }` (and counts it) when the transport is
   * unavailable or the publish fails or times out.
   *
   * @throws TypeError only for an invalid event (empty run_id or run_seq < 1): a programming error.
   */
  publish(event: RunEvent): Promise<PublishResult>;
  /** Number of events not delivered since creation. */
  undelivered(): number;
  /** Releases the publisher's resources (an owned connection is drained and closed). Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createNatsPublisher}: exactly one of `url` or `nc`. */
export interface NatsPublisherOptions {
  /** Server URL; the publisher then owns a background connection (retried until it succeeds). */
  readonly url?: string;
  /** An existing connection; the publisher does not close it. */
  readonly nc?: NatsConnection;
  /** Stream name / subject prefix overrides (defaults: SIGMA_EVENTS, sigma.events.v1). */
  readonly stream?: Partial<EventStreamConfig>;
  readonly logger?: LogSink;
  /** Milliseconds to wait for the stream's ack (default 2000). */
  readonly timeoutMs?: number;
  /** Create/update the stream before the first publish (default true). */
  readonly ensureStream?: boolean;
  /** Client name when connecting from `url` (default `sigma-events-publisher`). */
  readonly name?: string;
}

/** Undelivered events are logged on the first failure after a success, then every Nth. */
const LOG_EVERY_N_UNDELIVERED = 100;

/**
 * Creates a JetStream publisher of RunEvents: Protobuf binary payloads on `<prefix>.run.<runId>`,
 * `msgID = run_id:run_seq` for server-side de-duplication, and `expect.streamName` so an event captured
 * by the wrong stream is refused.
 *
 * Failure handling: a publish issued while the very first connection attempt is still running waits for
 * it (at most `timeoutMs`); after that, while not connected an event is counted undelivered immediately
 * (no waiting, so a run without NATS is not slowed down); a publish that errors or is not acknowledged within
 * `timeoutMs` is counted undelivered. Nothing is retried or buffered by this publisher.
 *
 * @param options - connection (url or nc), stream overrides, logger, timeout.
 * @returns the publisher.
 * @throws TypeError when neither or both of `url` and `nc` are given, or the stream config is invalid.
 */
export function createNatsPublisher(options: NatsPublisherOptions): EventPublisher {
  if ((options.url === undefined) === (options.nc === undefined)) {
    throw new TypeError("createNatsPublisher needs exactly one of url or nc");
  }
  const cfg = eventStreamConfig(options.stream);
  const log = options.logger;
  const timeout = options.timeoutMs ?? 2000;
  const background: BackgroundConnection | undefined = options.url
    ? connectInBackground(options.url, { name: options.name ?? "sigma-events-publisher", logger: log })
    : undefined;
  const connection = (): NatsConnection | undefined => (background ? background.current() : options.nc);
  const isConnected = (): boolean => {
    if (background) return background.isConnected();
    return !options.nc!.isClosed();
  };

  let streamReady: Promise<void> | undefined;
  let undeliveredCount = 0;
  let failing = false;
  let closed = false;

  const ensureOnce = (nc: NatsConnection): Promise<void> => {
    if (options.ensureStream === false) return Promise.resolve();
    streamReady ??= nc
      .jetstreamManager()
      .then((jsm) => ensureStream(jsm, cfg))
      .then(
        () => undefined,
        (err: unknown) => {
          streamReady = undefined; // retry at the next publish
          throw err;
        },
      );
    return streamReady;
  };

  const fail = (event: RunEvent, reason: string): PublishResult => {
    undeliveredCount += 1;
    if (!failing || undeliveredCount % LOG_EVERY_N_UNDELIVERED === 0) {
      log?.warn({ runId: event.runId, runSeq: event.runSeq.toString(), undelivered: undeliveredCount, reason }, "run event not delivered");
    }
    failing = true;
    return { delivered: false };
  };

  return {
    async publish(event) {
      const msgID = eventMessageId(event);
      const subject = runSubject(cfg, event.runId);
      const data = encodeRunEvent(event);
      if (closed) return fail(event, "publisher closed");
      if (background) await settleWithin(background.firstAttempt(), timeout);
      const nc = connection();
      if (!nc || !isConnected()) return fail(event, "not connected to NATS");
      try {
        await ensureOnce(nc);
        const ack = await nc.jetstream().publish(subject, data, { msgID, timeout, expect: { streamName: cfg.name } });
        if (failing) log?.info({ undelivered: undeliveredCount }, "run events delivered again");
        failing = false;
        return { delivered: true, seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        return fail(event, err instanceof Error ? err.message : String(err));
      }
    },
    undelivered: () => undeliveredCount,
    async close() {
      if (closed) return;
      closed = true;
      await background?.close();
    },
  };
}

/** Waits for `p` or `ms` milliseconds, whichever comes first (the timer does not outlive the race). */
async function settleWithin(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
