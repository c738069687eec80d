/**
 * Protobuf binary codec of RunEvent (events are contracts: binary-encoded messages, never JSON).
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { RunEventSchema, type RunEvent } from "@sigma/contracts";

/** Thrown when a stored message is not a decodable RunEvent; carries the stream sequence if known. */
export class EventDecodeError extends Error {
  constructor(
    readonly seq: number | undefined,
    options: { cause: unknown },
  ) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`cannot decode RunEvent${seq === undefined ? "" : ` at stream seq ${seq}`}: ${detail}`, options);
    this.name = "EventDecodeError";
  }
}

/**
 * Encodes an event to Protobuf binary.
 *
 * @param event - a RunEvent built with `create(RunEventSchema, ...)`.
 * @returns the wire bytes.
 */
export function encodeRunEvent(event: RunEvent): Uint8Array {
  return toBinary(RunEventSchema, event);
}

/**
 * Decodes Protobuf binary into a RunEvent.
 *
 * @param bytes - wire bytes.
 * @param seq - stream sequence, only used in the error message.
 * @throws EventDecodeError for bytes that are not a valid RunEvent encoding.
 */
export function decodeRunEvent(bytes: Uint8Array, seq?: number): RunEvent {
  try {
    return fromBinary(RunEventSchema, bytes);
  } catch (err) {
    throw new EventDecodeError(seq, { cause: err });
  }
}

/**
 * The de-duplication id of an event: `${run_id}:${run_seq}`. Republishing the same event (a retry
 * after a lost ack) yields the same id, so JetStream (or the memory bus) stores it once.
 *
 * @throws TypeError when run_id is empty or run_seq < 1 (the coordinator numbers events from 1).
 */
export function eventMessageId(event: RunEvent): string {
  if (event.runId === "") throw new TypeError("RunEvent.run_id is empty");
  if (event.runSeq < 1n) throw new TypeError(`RunEvent.run_seq must be ≥ 1, got ${event.runSeq}`);
  return `${event.runId}:${event.runSeq}`;
}
