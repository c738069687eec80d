/**
 * Throwaway JetStream event streams: a unique stream name and subject prefix per test run, deleted
 * afterwards, so runs sharing one nats-server never read each other's events.
 */
import { randomBytes } from "node:crypto";
import { ensureStream, eventStreamConfig, isJetStreamApiError, type EventStreamConfig } from "@sigma/events";
import { connect } from "nats";

/** The local test server. */
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";

/** JetStream API error code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

/** A stream created by {@link createTestStream}. */
export interface TestStream {
  /** NATS server URL. */
  readonly natsUrl: string;
  /** The stream config services must be given (SIGMA_EVENTS_STREAM / SIGMA_EVENTS_PREFIX). */
  readonly config: EventStreamConfig;
  /** Deletes the stream (a missing stream counts as deleted). Idempotent. */
  delete(): Promise<void>;
}

/**
 * Creates a stream `SIGMA_TEST_<HEX>` capturing `sigma.test<hex>.events.v1.>`.
 *
 * The stream is created up front (not left to the first publisher) so that a subscriber started
 * before any run can replay from the beginning.
 *
 * @param natsUrl - server with JetStream enabled (default local, or SIGMA_TEST_NATS_URL).
 * @throws the client error when the server is unreachable or JetStream is disabled.
 */
export async function createTestStream(natsUrl: string = process.env.SIGMA_TEST_NATS_URL || DEFAULT_NATS_URL): Promise<TestStream> {
  const id = randomBytes(6).toString("hex");
  const config = eventStreamConfig({ name: `SIGMA_TEST_${id.toUpperCase()}`, subjectPrefix: `sigma.test${id}.events.v1` });
  await withJsm(natsUrl, (jsm) => ensureStream(jsm, config));
  let deleted = false;
  return {
    natsUrl,
    config,
    async delete() {
      if (deleted) return;
      await withJsm(natsUrl, async (jsm) => {
        try {
          await jsm.streams.delete(config.name);
        } catch (err) {
          if (!isJetStreamApiError(err, STREAM_NOT_FOUND)) throw err;
        }
      });
      deleted = true;
    },
  };
}

async function withJsm<T>(
  natsUrl: string,
  fn: (jsm: Awaited<ReturnType<Awaited<ReturnType<typeof connect>>["jetstreamManager"]>>) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: natsUrl, name: "sigma-testing", timeout: 5000 });
  try {
    return await fn(await nc.jetstreamManager());
  } finally {
    await nc.close();
  }
}
