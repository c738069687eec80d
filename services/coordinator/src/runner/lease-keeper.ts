import type { Logger } from "pino";
import type { RunStore } from "../domain/ports.js";

/** Why a run must stop on its holder's side. */
export type StopReason = { kind: "cancel_requested" } | { kind: "lease_lost"; detail: string };

/**
 * Keeps a running run's lease alive: heartbeats every `heartbeatMs` (database time), and calls
 * `onStop` once when the run must stop here — a CancelRun from another replica was recorded, the
 * lease was taken over (`owned` false), or heartbeats kept failing for longer than the TTL (then
 * another coordinator may legitimately take the lease, so this one must not keep writing). Failed
 * heartbeats during a shorter database outage only log: the run goes on and its writes are retried.
 * Silence is measured on the monotonic clock (durations, not instants).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private lastOk = performance.now();
  private stopped = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly repo: Pick<RunStore, "heartbeat">,
    private readonly runId: string,
    private readonly holder: string,
    private readonly opts: { heartbeatMs: number; leaseTtlMs: number },
    private readonly logger: Logger,
    private readonly onStop: (reason: StopReason) => void,
  ) {}

  /** Starts heartbeating. */
  start(): void {
    this.timer = setInterval(() => {
      // Checked on every tick, so a heartbeat that hangs (stuck connection) is noticed too.
      const silentMs = performance.now() - this.lastOk;
      if (silentMs > this.opts.leaseTtlMs) {
        this.fire({ kind: "lease_lost", detail: `no heartbeat written for ${Math.round(silentMs / 1000)} s (> lease TTL)` });
        return;
      }
      this.inFlight ??= this.beat().finally(() => (this.inFlight = undefined));
    }, this.opts.heartbeatMs);
    this.timer.unref();
  }

  /** Stops heartbeating and waits for a beat in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    // Do not wait for a hung heartbeat forever: it is abandoned after one interval.
    await Promise.race([this.inFlight, new Promise((r) => setTimeout(r, this.opts.heartbeatMs).unref())]);
  }

  private fire(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.onStop(reason);
  }

  private async beat(): Promise<void> {
    try {
      const { owned, cancelRequested } = await this.repo.heartbeat(this.runId, this.holder);
      this.lastOk = performance.now();
      if (!owned) this.fire({ kind: "lease_lost", detail: "lease taken over or run finalized elsewhere" });
      else if (cancelRequested) this.fire({ kind: "cancel_requested" });
    } catch (err) {
      // The tick checks the silence against the TTL; a single failure is only logged.
      this.logger.error({ err, silentMs: performance.now() - this.lastOk }, "heartbeat write failed");
    }
  }
}
