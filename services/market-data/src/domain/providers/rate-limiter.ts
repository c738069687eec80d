/**
 * Client-side token bucket: at most `requestsPerMinute` requests a minute on average, with bursts
 * of up to `burst`. Waiters are served first come, first served.
 */
import { monotonicClock, realSleep, type Clock, type Sleep } from "./timing.js";

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate; must be > 0. Polygon's free tier allows 5. */
  readonly requestsPerMinute: number;
  /** Bucket capacity (requests allowed back to back after idling); default 1, must be >= 1. */
  readonly burst?: number;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

/** A token bucket rate limiter; the bucket starts full. */
export class TokenBucket {
  private readonly perMs: number;
  private readonly capacity: number;
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private tokens: number;
  private last: number;
  /** Serializes acquirers so tokens go out in call order. */
  private queue: Promise<void> = Promise.resolve();
  /** Acquisitions that had to wait for a token (diagnostics and tests). */
  waited = 0;
  /** Total milliseconds spent waiting for tokens. */
  waitedMillis = 0;

  /** @throws RangeError when requestsPerMinute <= 0 or burst < 1. */
  constructor(options: TokenBucketOptions) {
    if (!(options.requestsPerMinute > 0)) throw new RangeError(`requestsPerMinute must be > 0, got ${options.requestsPerMinute}`);
    const burst = options.burst ?? 1;
    if (!(burst >= 1)) throw new RangeError(`burst must be >= 1, got ${burst}`);
    this.perMs = options.requestsPerMinute / 60_000;
    this.capacity = burst;
    this.clock = options.clock ?? monotonicClock;
    this.sleep = options.sleep ?? realSleep;
    this.tokens = burst;
    this.last = this.clock();
  }

  /**
   * Resolves when the caller may issue one request (taking a token).
   * @throws the signal's reason when `signal` aborts while waiting; the token is not taken.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.take(signal));
    // The next waiter runs after this one whatever its outcome (an abort must not wedge the queue).
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
    this.last = now;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    if (this.tokens < 1) {
      const ms = Math.ceil((1 - this.tokens) / this.perMs);
      this.waited++;
      this.waitedMillis += ms;
      await this.sleep(ms, signal);
      this.refill();
      // Timers may fire a hair early relative to the clock: never go negative below one token.
      this.tokens = Math.max(this.tokens, 1);
    }
    this.tokens -= 1;
  }
}
