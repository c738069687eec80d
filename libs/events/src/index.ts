/**
 * @sigma/events: run events on NATS JetStream (subjects, stream, Protobuf codec, publisher and
 * subscriber) plus an in-process bus with the same semantics for `sigma dev` without NATS.
 */
export type { LogSink } from "./log-sink.js";
export {
  DEFAULT_DUPLICATE_WINDOW_MS,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_STREAM_NAME,
  DEFAULT_SUBJECT_PREFIX,
  eventStreamConfig,
  runIdFromSubject,
  runSubject,
  streamSubjectFilter,
  type EventStreamConfig,
} from "./subjects.js";
export { decodeRunEvent, encodeRunEvent, EventDecodeError, eventMessageId } from "./codec.js";
export {
  connectInBackground,
  connectNats,
  drainAndClose,
  type BackgroundConnection,
  type BackgroundConnectOptions,
  type ConnectNatsOptions,
} from "./connection.js";
export { ensureStream, isJetStreamApiError } from "./stream.js";
export { createNatsPublisher, type EventPublisher, type NatsPublisherOptions, type PublishResult } from "./publisher.js";
export { checkAfterSeq, type EventSource, type SequencedEvent, type SubscribeOptions } from "./source.js";
export { createMemoryBus, type MemoryBus } from "./memory-bus.js";
export { subscribeEvents, type SubscribeEventsOptions } from "./subscriber.js";
