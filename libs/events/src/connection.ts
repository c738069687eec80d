/**
 * NATS connection helpers: a blocking connect for services that need NATS, a background connection
 * for publishers that must never block or fail a run, and an orderly drain-then-close.
 */
import { connect, Events, type NatsConnection } from "nats";
import type { LogSink } from "./log-sink.js";

/** Options of {@link connectNats}. */
export interface ConnectNatsOptions {
  /** Client name shown in server monitoring (e.g. the service name). */
  readonly name: string;
  /** Receives connection state changes (disconnect / reconnect / errors). */
  readonly logger?: LogSink;
  /**
   * Keep retrying until the first connection succeeds (default true), so a service started before
   * NATS waits for it instead of crashing. Set false to fail fast when the server is down.
   */
  readonly waitOnFirstConnect?: boolean;
  /** Per-attempt connection timeout in milliseconds (default 5000). */
  readonly timeoutMs?: number;
}

/**
 * Connects to NATS with unlimited reconnects (`maxReconnectAttempts: -1`): once connected, the client
 * buffers and reconnects by itself; connection state changes are logged.
 *
 * @param url - e.g. `nats://127.0.0.1:4222` (comma-separated for several servers).
 * @param options - client name, logger, first-connect behaviour.
 * @returns the connection; close it with {@link drainAndClose}.
 * @throws the client's error when `waitOnFirstConnect` is false and the server is unreachable.
 */
export async function connectNats(url: string, options: ConnectNatsOptions): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(","),
    name: options.name,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: options.waitOnFirstConnect ?? true,
    timeout: options.timeoutMs ?? 5000,
  });
  if (options.logger) watchStatus(nc, options.logger, () => undefined);
  return nc;
}

/**
 * Logs connection state changes and reports connectivity through `onConnected`.
 * The status iterator ends when the connection closes.
 */
function watchStatus(nc: NatsConnection, logger: LogSink | undefined, onConnected: (up: boolean) => void): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === Events.Disconnect) {
        onConnected(false);
        logger?.warn({ server: s.data }, "nats disconnected");
      } else if (s.type === Events.Reconnect) {
        onConnected(true);
        logger?.info({ server: s.data }, "nats reconnected");
      } else if (s.type === Events.Error) {
        logger?.error({ err: String(s.data) }, "nats async error");
      }
    }
  })().catch((err: unknown) => logger?.error({ err: String(err) }, "nats status monitor failed"));
}

/**
 * Drains a connection (flushes pending publishes, lets subscriptions finish), then waits until it is
 * closed. If draining does not finish within `timeoutMs` (e.g. the server is gone), the connection is
 * closed without draining. Idempotent: a closed connection returns at once.
 *
 * @param nc - the connection.
 * @param timeoutMs - drain deadline in milliseconds (default 5000).
 * @returns the error that closed the connection, if any (for logging), else undefined.
 */
export async function drainAndClose(nc: NatsConnection, timeoutMs = 5000): Promise<Error | undefined> {
  if (!nc.isClosed() && !nc.isDraining()) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    // drain() rejects only when the connection closed concurrently; closed() below still settles it.
    const outcome = await Promise.race([
      nc.drain().then(
        () => "drained" as const,
        (err: unknown) => err,
      ),
      deadline,
    ]);
    clearTimeout(timer);
    if (outcome === "timeout" && !nc.isClosed()) await nc.close();
  } else if (nc.isDraining()) {
    // Someone else is draining: bound the wait the same way.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([nc.closed(), deadline]);
    clearTimeout(timer);
    if (!nc.isClosed()) await nc.close();
  }
  const reason = await nc.closed();
  return reason instanceof Error ? reason : undefined;
}

/** A connection being established in the background; see {@link connectInBackground}. */
export interface BackgroundConnection {
  /** The connection once established (it may be temporarily disconnected), else undefined. */
  current(): NatsConnection | undefined;
  /** True while a connection exists and is not disconnected or closed. */
  isConnected(): boolean;
  /** Settles when the first connection attempt has finished (successfully or not); never rejects. */
  firstAttempt(): Promise<void>;
  /** Stops retrying and drains/closes the connection if one was made. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link connectInBackground}. */
export interface BackgroundConnectOptions {
  readonly name: string;
  readonly logger?: LogSink;
  /** Per-attempt timeout in milliseconds (default 2000). */
  readonly timeoutMs?: number;
  /** Delay between first-connect attempts, doubling up to `maxRetryMs` (defaults 250 / 5000 ms). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  /** Called once with the connection when the first attempt succeeds. */
  readonly onConnect?: (nc: NatsConnection) => void;
}

/**
 * Starts connecting without blocking the caller: retries the first connection with capped exponential
 * backoff until it succeeds or `close()` is called; after that the client's own unlimited reconnects
 * take over. Used by publishers so a run never waits for (or fails because of) NATS.
 *
 * Unlike `waitOnFirstConnect`, the retry loop here can be cancelled, so closing a publisher whose
 * server never appeared does not leave timers keeping the process alive.
 *
 * @param url - server URL(s), comma-separated.
 * @param options - client name, logger, timeouts and backoff.
 */
export function connectInBackground(url: string, options: BackgroundConnectOptions): BackgroundConnection {
  let nc: NatsConnection | undefined;
  let up = false;
  let closed = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const maxRetry = options.maxRetryMs ?? 5000;
  let firstAttemptDone!: () => void;
  const firstAttempt = new Promise<void>((resolve) => {
    firstAttemptDone = resolve;
  });

  const loop = (async () => {
    let delay = options.retryMs ?? 250;
    for (let attempt = 1; !closed; attempt++) {
      try {
        const conn = await connect({
          servers: url.split(","),
          name: options.name,
          maxReconnectAttempts: -1,
          timeout: options.timeoutMs ?? 2000,
        });
        firstAttemptDone();
        if (closed) {
          await conn.close();
          return;
        }
        nc = conn;
        up = true;
        watchStatus(conn, options.logger, (isUp) => {
          up = isUp;
        });
        if (attempt > 1) options.logger?.info({ url, attempt }, "nats connected");
        options.onConnect?.(conn);
        return;
      } catch (err) {
        firstAttemptDone();
        // Logged once at warn, then at debug: a dev box without NATS retries quietly.
        const log = attempt === 1 ? options.logger?.warn : options.logger?.debug;
        log?.call(options.logger, { url, attempt, err: String(err), retryInMs: delay }, "nats not reachable, retrying");
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      delay = Math.min(delay * 2, maxRetry);
    }
  })().finally(firstAttemptDone);

  return {
    current: () => nc,
    isConnected: () => up && nc !== undefined && !nc.isClosed(),
    firstAttempt: () => firstAttempt,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      wake?.();
      await loop;
      if (nc) await drainAndClose(nc);
    },
  };
}
