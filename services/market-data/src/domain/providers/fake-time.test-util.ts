/** A fake clock whose sleep advances it instantly, for deterministic rate-limit and retry tests. */
import type { Clock, Sleep } from "./timing.js";

export interface FakeTime {
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Every requested sleep, in order (ms). */
  readonly sleeps: number[];
}

export function fakeTime(start = 0): FakeTime {
  let now = start;
  const sleeps: number[] = [];
  return {
    clock: () => now,
    sleeps,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += Math.max(0, ms);
    },
  };
}
