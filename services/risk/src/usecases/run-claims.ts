/**
 * Shared per-run work done once per process. Phases 5 and 6 are called per item of portfolios, and
 * part of their output is not per portfolio: a symbol's volatility on a date (shared by every
 * portfolio holding the symbol) and the factor EWMA of a date (shared by all). Without a claim, each
 * of a chunk's items recomputes and rewrites those rows (a 1,000-portfolio universe wrote every
 * symbol-date ~11 times) and concurrent items queue on the same row locks.
 *
 * A call claims the shared keys it would compute; it computes and writes only the keys it claimed
 * first. Inputs do not change during a run (phase 1 has finished), so any claimant computes the same
 * values. A call that fails releases its claims, so the retried item (here or on another replica)
 * computes them again. Replicas do not share claims: with R risk replicas a shared row is written at
 * most R times per run, not once per item.
 */

/** The claims of one run, as a use case sees them. */
export interface SharedWork {
  /**
   * Claims `keys` for the caller: returns those no earlier call of the run claimed (in input order),
   * which the caller must now compute and store.
   */
  claim(keys: readonly string[]): string[];
  /** Gives back keys whose computation failed, so a later call computes them. */
  release(keys: readonly string[]): void;
}

/** No sharing: every key is the caller's (a call without a run id). */
export const UNSHARED: SharedWork = { claim: (keys) => [...keys], release: () => undefined };

/** Tuning of {@link RunClaims}. */
export interface RunClaimsOptions {
  /** Runs remembered at once, least recently used dropped first (default 4). */
  maxRuns?: number;
  /** A run is forgotten after this many milliseconds without a claim (default 10 minutes). */
  idleMs?: number;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
}

/**
 * Claimed keys per run id, bounded: at most `maxRuns` runs, each dropped after `idleMs` idle (a
 * forgotten run only means its shared rows may be computed again, never a wrong value).
 */
export class RunClaims {
  private readonly runs = new Map<string, { keys: Set<string>; lastUsed: number }>();
  private readonly maxRuns: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  /** @throws RangeError when maxRuns < 1 or idleMs ≤ 0. */
  constructor(opts: RunClaimsOptions = {}) {
    this.maxRuns = opts.maxRuns ?? 4;
    this.idleMs = opts.idleMs ?? 10 * 60_000;
    this.now = opts.now ?? Date.now;
    if (!Number.isInteger(this.maxRuns) || this.maxRuns < 1)
      throw new RangeError(`maxRuns must be a positive integer, got ${this.maxRuns}`);
    if (!(this.idleMs > 0)) throw new RangeError(`idleMs must be positive, got ${this.idleMs}`);
  }

  /** The claims of `runId`; an empty run id shares nothing ({@link UNSHARED}). */
  forRun(runId: string): SharedWork {
    if (runId === "") return UNSHARED;
    return {
      claim: (keys) => this.claim(runId, keys),
      release: (keys) => this.release(runId, keys),
    };
  }

  /** Keys currently claimed for a run (0 when it is not remembered). */
  size(runId: string): number {
    return this.runs.get(runId)?.keys.size ?? 0;
  }

  private claim(runId: string, keys: readonly string[]): string[] {
    const now = this.now();
    for (const [id, r] of this.runs) if (now - r.lastUsed > this.idleMs) this.runs.delete(id);
    let run = this.runs.get(runId);
    if (run) this.runs.delete(runId);
    else run = { keys: new Set(), lastUsed: now };
    run.lastUsed = now;
    this.runs.set(runId, run); // most recently used last
    for (const id of this.runs.keys()) {
      if (this.runs.size <= this.maxRuns) break;
      this.runs.delete(id);
    }
    const mine: string[] = [];
    for (const k of keys) {
      if (run.keys.has(k)) continue;
      run.keys.add(k);
      mine.push(k);
    }
    return mine;
  }

  private release(runId: string, keys: readonly string[]): void {
    const run = this.runs.get(runId);
    if (run) for (const k of keys) run.keys.delete(k);
  }
}
