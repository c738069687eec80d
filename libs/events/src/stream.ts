/**
 * Creation and update of the event stream.
 */
import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from "nats";
import { streamSubjectFilter, type EventStreamConfig } from "./subjects.js";

/** JetStream API error code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

/**
 * True when `err` is a JetStream API error with the given error code (e.g. 10059 stream not found).
 */
export function isJetStreamApiError(err: unknown, errCode: number): boolean {
  const api = (err as { api_error?: { err_code?: number } } | null)?.api_error;
  return api?.err_code === errCode;
}

/**
 * Creates the event stream if missing, or updates its subjects and limits to `cfg` (idempotent, safe to
 * call at every start). File storage, limits retention (messages expire after `maxAgeMs`), oldest
 * messages discarded first, `duplicateWindowMs` for msgID de-duplication.
 *
 * @param jsm - a JetStreamManager (`await nc.jetstreamManager()`).
 * @param cfg - the stream config (see `eventStreamConfig`).
 * @returns the stream info after creation/update.
 * @throws when the existing stream uses memory storage (storage cannot be changed in place), or on
 *   JetStream errors (JetStream disabled, subjects overlapping another stream).
 */
export async function ensureStream(jsm: JetStreamManager, cfg: EventStreamConfig): Promise<StreamInfo> {
  const wanted = {
    subjects: [streamSubjectFilter(cfg)],
    max_age: nanos(cfg.maxAgeMs),
    duplicate_window: nanos(cfg.duplicateWindowMs),
    num_replicas: cfg.replicas,
  };
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(cfg.name);
  } catch (err) {
    if (!isJetStreamApiError(err, STREAM_NOT_FOUND)) throw err;
  }
  if (!existing) {
    return jsm.streams.add({
      name: cfg.name,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      ...wanted,
    });
  }
  if (existing.config.storage !== StorageType.File) {
    throw new Error(`stream ${cfg.name} exists with ${existing.config.storage} storage; file storage required`);
  }
  return jsm.streams.update(cfg.name, { ...existing.config, ...wanted });
}
