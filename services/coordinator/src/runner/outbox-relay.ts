import { decodeRunEvent, type EventPublisher } from "@sigma/events";
import type { Logger } from "pino";
import type { OutboxStore } from "../domain/ports.js";

/** Tunables of the relay. */
export interface OutboxRelaySettings {
  /** Rows read per round. */
  batchSize: number;
  /** First retry delay after a failed publish or database read; doubles up to `maxBackoffMs`. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Idle poll interval (new rows also wake the relay at once through `kick`). */
  pollMs: number;
}

/** Defaults: 200 rows a round, 250 ms → 30 s backoff, 1 s idle poll. */
export const DEFAULT_RELAY_SETTINGS: OutboxRelaySettings = { batchSize: 200, minBackoffMs: 250, maxBackoffMs: 30_000, pollMs: 1000 };

/**
 * Relays the event outbox to the stream: oldest row first, stopping at the first event the stream
 * did not acknowledge (so a run's events are never published out of order), deleting rows once
 * acknowledged, and retrying with capped exponential backoff. A row published but not deleted
 * (crash between ack and delete) is published again with the same `run_id:run_seq` msgID, which
 * JetStream drops as a duplicate; the status projection also ignores a run_seq it has applied.
 * Several coordinators may relay the same rows at once: each publishes oldest first, so the first
 * copy of any row always follows the first copies of the rows before it, and later copies are
 * dropped by msgID. A run's rows are written by its one holder in run_seq order.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = true;
  private backoffMs: number;
  private round: Promise<boolean> | undefined;
  private failures = 0;
  private kicked = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    private readonly settings: OutboxRelaySettings = DEFAULT_RELAY_SETTINGS,
  ) {
    this.backoffMs = settings.minBackoffMs;
  }

  /** Starts the loop (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops the loop and waits for a round in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
  }

  /** Asks for a round now (new rows were written). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.kicked = true;
    else this.schedule(0);
  }

  /**
   * Relays until the outbox is empty or a publish fails; returns true when it emptied. Safe to call
   * while the loop runs (rounds never overlap).
   */
  async flush(): Promise<boolean> {
    while (this.round) await this.round.catch(() => undefined);
    this.round = this.relayAll();
    try {
      return await this.round;
    } finally {
      this.round = undefined;
    }
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    let emptied = false;
    try {
      emptied = await this.flush();
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (emptied) {
      this.backoffMs = this.settings.minBackoffMs;
      this.schedule(this.kicked ? 0 : this.settings.pollMs);
      this.kicked = false;
    } else {
      this.schedule(this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, this.settings.maxBackoffMs);
    }
  }

  private async relayAll(): Promise<boolean> {
    for (;;) {
      let rows;
      try {
        rows = await this.outbox.peek(this.settings.batchSize);
      } catch (err) {
        this.noteFailure(err, "reading the outbox failed");
        return false;
      }
      if (rows.length === 0) return true;
      const done: string[] = [];
      let failed = false;
      for (const row of rows) {
        let delivered = false;
        try {
          delivered = (await this.publisher.publish(decodeRunEvent(row.payload))).delivered;
        } catch (err) {
          // A row that cannot be decoded or published at all would block every later event: log loudly.
          this.logger.error({ err, runId: row.runId, runSeq: row.runSeq.toString() }, "outbox row could not be published");
        }
        if (!delivered) {
          failed = true;
          break;
        }
        done.push(row.id);
      }
      try {
        await this.outbox.remove(done);
      } catch (err) {
        // Re-published later; JetStream drops the copies by msgID.
        this.noteFailure(err, "deleting relayed outbox rows failed");
        return false;
      }
      if (failed) {
        this.noteFailure(undefined, "event stream did not acknowledge; outbox rows kept for retry");
        return false;
      }
      if (this.failures > 0) this.logger.info({ failures: this.failures }, "outbox relay delivering again");
      this.failures = 0;
    }
  }

  private noteFailure(err: unknown, msg: string): void {
    // First failure at warn, then every 20th, so a long NATS outage does not flood the log.
    if (this.failures++ % 20 === 0) this.logger.warn({ err, failures: this.failures, retryInMs: this.backoffMs }, msg);
  }
}
