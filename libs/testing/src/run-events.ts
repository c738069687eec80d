/**
 * Reading run events for assertions: straight from the durable JetStream stream (the ground
 * truth) and through the status service's WatchStatus stream.
 */
import type { Client } from "@connectrpc/connect";
import type { RunEvent, StatusService, WatchStatusResponse } from "@sigma/contracts";
import { connectNats, drainAndClose, subscribeEvents, type EventStreamConfig, type SequencedEvent } from "@sigma/events";

/** Options of {@link readRunEvents}. */
export interface ReadRunEventsOptions {
  natsUrl: string;
  stream: EventStreamConfig;
  runId: string;
  /** Give up after this long (ms, default 30000). */
  timeoutMs?: number;
}

/**
 * Every event of one run, in stream order, read from JetStream from the first message until the
 * run's RunFinished event.
 *
 * @returns the events with their stream sequence numbers.
 * @throws Error when RunFinished does not arrive within `timeoutMs` (with the count seen so far).
 */
export async function readRunEvents(o: ReadRunEventsOptions): Promise<SequencedEvent[]> {
  const nc = await connectNats(o.natsUrl, { name: "sigma-testing-reader", waitOnFirstConnect: false });
  const abort = new AbortController();
  const timeoutMs = o.timeoutMs ?? 30_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, timeoutMs);
  const events: SequencedEvent[] = [];
  try {
    for await (const e of subscribeEvents({ nc, stream: o.stream, runId: o.runId, afterSeq: 0, signal: abort.signal })) {
      events.push(e);
      if (e.event.payload.case === "runFinished") break;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
    await drainAndClose(nc);
  }
  if (timedOut || events.at(-1)?.event.payload.case !== "runFinished") {
    throw new Error(`run ${o.runId}: no RunFinished event within ${timeoutMs} ms (${events.length} event(s) read)`);
  }
  return events;
}

/** Options of {@link collectWatch}. */
export interface CollectWatchOptions {
  runId: string;
  /** resume_after of the request (default 0). */
  resumeAfter?: bigint;
  /** Stop after the first message for which this returns true (that message is included). */
  until: (m: WatchStatusResponse, all: readonly WatchStatusResponse[]) => boolean;
  /** Give up after this long (ms, default 30000). */
  timeoutMs?: number;
}

/**
 * Opens WatchStatus for a run and collects messages until `until` holds, then cancels the stream
 * (a `break` alone would not: the abort signal does).
 *
 * @throws Error when the stream ends or times out before `until` held (with the messages seen);
 *   the RPC error when the call fails.
 */
export async function collectWatch(status: Client<typeof StatusService>, o: CollectWatchOptions): Promise<WatchStatusResponse[]> {
  const abort = new AbortController();
  const timeoutMs = o.timeoutMs ?? 30_000;
  const timer = setTimeout(() => abort.abort(new Error(`WatchStatus timed out after ${timeoutMs} ms`)), timeoutMs);
  const got: WatchStatusResponse[] = [];
  try {
    for await (const m of status.watchStatus(
      { target: { target: { case: "runId", value: o.runId } }, resumeAfter: o.resumeAfter ?? 0n },
      { signal: abort.signal, timeoutMs: 0 },
    )) {
      got.push(m);
      if (o.until(m, got)) return got;
    }
    throw new Error(`WatchStatus ended before the condition held; got ${describeWatch(got)}`);
  } catch (err) {
    if (abort.signal.aborted && abort.signal.reason instanceof Error) {
      throw new Error(`${abort.signal.reason.message}; got ${describeWatch(got)}`, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** A one-line-per-message summary: seq, event kind (or "status"), state. */
export function describeWatch(msgs: readonly WatchStatusResponse[]): string {
  return msgs.map((m) => `${m.seq}:${eventKind(m.event)}`).join(" ");
}

/** The payload case of an event ("runStarted", ...) or "status" for a status-only message. */
export function eventKind(e: RunEvent | undefined): string {
  return e?.payload.case ?? "status";
}
