/** Injectable time primitives, so retry and rate-limit logic can be tested without real waiting. */

/** Milliseconds on a monotonic clock. */
export type Clock = () => number;

/**
 * Waits `ms` milliseconds (or resolves at once for ms <= 0).
 * @throws the signal's reason when `signal` aborts before or during the wait.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real monotonic clock. */
export const monotonicClock: Clock = () => performance.now();

/** The real sleep: a timer that an AbortSignal cancels. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
