/**
 * Subscribing to run events: replay from a stream sequence, then follow live, until aborted.
 */
import { DeliverPolicy, type ConsumerMessages, type JsMsg, type NatsConnection } from "nats";
import { decodeRunEvent, EventDecodeError } from "./codec.js";
import { checkAfterSeq, type EventSource, type SequencedEvent, type SubscribeOptions } from "./source.js";
import { eventStreamConfig, runSubject, streamSubjectFilter, type EventStreamConfig } from "./subjects.js";

/** Options of {@link subscribeEvents}: exactly one of `nc` or `bus`. */
export interface SubscribeEventsOptions extends SubscribeOptions {
  /** A NATS connection: events are read from the JetStream stream. */
  readonly nc?: NatsConnection;
  /** An in-process source (the memory bus) used instead of NATS. */
  readonly bus?: EventSource;
  /** Stream name / subject prefix overrides (NATS only). */
  readonly stream?: Partial<EventStreamConfig>;
  /**
   * Called for a stored message that is not a valid RunEvent, which is then skipped. Without it the
   * iterator throws EventDecodeError (a poison message stops the subscription loudly).
   */
  readonly onDecodeError?: (err: EventDecodeError) => void;
}

/**
 * Subscribes to run events, replaying every stored event with `seq > afterSeq` in stream order, then
 * following new ones live, until `signal` aborts (the iterator then completes without throwing).
 *
 * Over NATS this uses an ordered consumer (ephemeral, flow-controlled, recreated by the client after
 * gaps or reconnects, so no loss or duplicates), delivering from sequence `afterSeq + 1`; `seq` is the JetStream stream sequence, i.e. what a projection stores to resume.
 *
 * There is deliberately no durable-consumer variant: a projection that stores the last applied `seq`
 * in the same database transaction as its state and resumes with `afterSeq` gets exactly-once
 * application, while a durable pull consumer would add server-side state whose prefetched but
 * unacknowledged messages come back only after the ack wait when a subscriber stops.
 *
 * @param options - source (`nc` or `bus`), `afterSeq`, `signal`, optional `runId` filter.
 * @returns an async iterable of `{ seq, event }`.
 * @throws TypeError when neither or both of `nc` and `bus` are given; RangeError for a bad `afterSeq`;
 *   while iterating: the JetStream error when the stream does not exist, EventDecodeError (see
 *   `onDecodeError`).
 */
export function subscribeEvents(options: SubscribeEventsOptions): AsyncIterable<SequencedEvent> {
  if ((options.nc === undefined) === (options.bus === undefined)) {
    throw new TypeError("subscribeEvents needs exactly one of nc or bus");
  }
  const afterSeq = checkAfterSeq(options.afterSeq);
  if (options.bus) return options.bus.subscribe({ afterSeq, signal: options.signal, runId: options.runId });
  const cfg = eventStreamConfig(options.stream);
  if (options.runId !== undefined) runSubject(cfg, options.runId); // validate early, before iteration
  return natsEvents(options.nc!, cfg, afterSeq, options);
}

async function* natsEvents(
  nc: NatsConnection,
  cfg: EventStreamConfig,
  afterSeq: number,
  options: SubscribeEventsOptions,
): AsyncGenerator<SequencedEvent> {
  const { signal } = options;
  if (signal.aborted) return;
  const filter = options.runId !== undefined ? runSubject(cfg, options.runId) : streamSubjectFilter(cfg);
  const js = nc.jetstream();
  // Always by_start_sequence (afterSeq 0 → from 1, which equals "all"): nats.js 2.29's ordered
  // consumer sends opt_start_seq together with an explicit `all` policy, which the server rejects.
  const consumer = await js.consumers.get(cfg.name, {
    filterSubjects: filter,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: afterSeq + 1,
  });
  if (signal.aborted) return;
  const messages: ConsumerMessages = await consumer.consume();
  const onAbort = (): void => {
    messages.stop();
  };
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const m of messages) {
      const decoded = decode(m, options.onDecodeError);
      if (decoded) yield decoded;
      if (signal.aborted) break;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    messages.stop();
  }
}

function decode(m: JsMsg, onDecodeError: SubscribeEventsOptions["onDecodeError"]): SequencedEvent | undefined {
  try {
    return { seq: m.seq, event: decodeRunEvent(m.data, m.seq) };
  } catch (err) {
    if (!(err instanceof EventDecodeError) || !onDecodeError) throw err;
    onDecodeError(err);
    return undefined;
  }
}
