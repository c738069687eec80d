/**
 * Graceful shutdown on SIGTERM/SIGINT: run the service's stop steps in order (stop accepting,
 * finish or cancel in-flight work, drain NATS, close the database) and exit within a grace
 * period — Kubernetes sends SIGKILL after terminationGracePeriodSeconds anyway, so a stuck step
 * must not eat that budget silently.
 */
import type { EventEmitter } from "node:events";
import type { Logger } from "pino";

/** One named shutdown step. */
export interface ShutdownStep {
  /** Short name for logs, e.g. "server", "nats", "database". */
  name: string;
  /** The step; may be async. A failure is logged and makes the exit code 1, later steps still run. */
  run: () => unknown;
}

/** Options of `onShutdown`. */
export interface ShutdownOptions {
  /** Total time for all steps before forcing exit code 1 (ms, default 10000). */
  graceMs?: number;
  /** Signals to handle (default SIGTERM and SIGINT). */
  signals?: readonly NodeJS.Signals[];
  /** Exit function (default `process.exit`); tests inject a recorder. */
  exit?: (code: number) => void;
  /** Where signals are listened for (default `process`); tests inject an EventEmitter. */
  target?: Pick<EventEmitter, "on" | "off">;
}

/** Handle returned by `onShutdown`. */
export interface ShutdownHandle {
  /**
   * Runs the shutdown as if a signal arrived (e.g. after a fatal error), then exits.
   * @returns The exit code passed to `exit` (0 = every step succeeded in time).
   */
  trigger(reason: string): Promise<number>;
  /** Removes the signal listeners (for tests and for embedding in `sigma dev`). */
  dispose(): void;
}

/**
 * Installs signal handlers that run `steps` in order on the first SIGTERM/SIGINT and then exit:
 * 0 when every step succeeded within `graceMs`, 1 when a step failed or the grace period ran
 * out (then the remaining steps are abandoned). A second signal while shutting down is logged
 * and ignored; the grace timer still bounds the total time.
 *
 * @param logger Process logger (one line per step, plus the outcome).
 * @param steps Steps in execution order; plain functions are named "step N".
 */
export function onShutdown(
  logger: Logger,
  steps: ReadonlyArray<ShutdownStep | (() => unknown)>,
  opts: ShutdownOptions = {},
): ShutdownHandle {
  const graceMs = opts.graceMs ?? 10_000;
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const target = opts.target ?? process;
  const named: ShutdownStep[] = steps.map((s, i) => (typeof s === "function" ? { name: `step ${i + 1}`, run: s } : s));

  let running: Promise<number> | undefined;

  const runSteps = async (): Promise<number> => {
    let code = 0;
    for (const step of named) {
      const started = performance.now();
      try {
        await step.run();
        logger.info({ step: step.name, durationMs: Math.round(performance.now() - started) }, "shutdown step done");
      } catch (e) {
        code = 1;
        // Keep going: a failed NATS drain must not prevent closing the database.
        logger.error({ step: step.name, err: e }, "shutdown step failed");
      }
    }
    return code;
  };

  const trigger = (reason: string): Promise<number> => {
    if (running) {
      logger.warn({ reason }, "already shutting down");
      return running;
    }
    logger.info({ reason, graceMs }, "shutting down");
    running = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          logger.error({ graceMs }, "shutdown grace period exceeded; forcing exit");
          resolve(1);
        }, graceMs);
      });
      const code = await Promise.race([runSteps(), timeout]);
      clearTimeout(timer);
      dispose();
      logger.info({ code }, "exiting");
      // pino writes asynchronously to stdout; flush so the last lines survive process.exit.
      logger.flush?.();
      exit(code);
      return code;
    })();
    return running;
  };

  const listener = (signal: NodeJS.Signals): void => void trigger(signal);
  for (const s of signals) target.on(s, listener);
  const dispose = (): void => {
    for (const s of signals) target.off(s, listener);
  };
  return { trigger, dispose };
}
