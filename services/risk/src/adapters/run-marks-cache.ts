/**
 * Run-scoped reuse of position marks. Phases 3, 5 and 6 of a chunk each read the same item's marks
 * (GetPositionValueRange over the item's portfolios and the chunk's dates): three reads of tens of
 * thousands of marks where one suffices. Marks do not change between phase 2 of a chunk and the end
 * of its risk phases, so the calls of one run may share a read.
 *
 * Exact, not approximate: a response is reused only for the same run id and the identical request
 * (portfolio ids in order, start and end date). A failed read is forgotten at once (the retry reads
 * again). Bounded: at most `maxEntriesPerRun` responses per run (least recently used dropped first)
 * and `maxRuns` runs; a call without a run id always reads.
 */
import type { Client } from "@connectrpc/connect";
import type { GetPositionValueRangeResponse, SnapshotService } from "@sigma/contracts";

/** Tuning of {@link RunMarksCache}. */
export interface RunMarksCacheOptions {
  /** Runs kept at once (default 2: the current run and a straggler). */
  maxRuns?: number;
  /**
   * Responses kept per run (default 48: a chunk of a 1,000-portfolio universe is 20 items of 50, and
   * phase 5 reads them after phase 3 read all 20; one item's response is a few MB).
   */
  maxEntriesPerRun?: number;
}

/** Hits and reads since the cache was created. */
export interface RunMarksCacheStats {
  hits: number;
  reads: number;
}

export class RunMarksCache {
  private readonly runs = new Map<string, Map<string, Promise<GetPositionValueRangeResponse>>>();
  private readonly maxRuns: number;
  private readonly maxEntriesPerRun: number;
  private readonly counts: RunMarksCacheStats = { hits: 0, reads: 0 };

  /** @throws RangeError when a bound is not a positive integer. */
  constructor(opts: RunMarksCacheOptions = {}) {
    this.maxRuns = opts.maxRuns ?? 2;
    this.maxEntriesPerRun = opts.maxEntriesPerRun ?? 48;
    for (const [k, v] of [
      ["maxRuns", this.maxRuns],
      ["maxEntriesPerRun", this.maxEntriesPerRun],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
  }

  /**
   * `client` with GetPositionValueRange answered from the run's earlier identical reads (every other
   * method passes through); with an empty run id, `client` itself.
   */
  client(client: Client<typeof SnapshotService>, runId: string): Client<typeof SnapshotService> {
    if (runId === "") return client;
    return {
      ...client,
      getPositionValueRange: (req, options) => {
        const key = `${(req.portfolioIds ?? []).join(",")}|${req.startDate ?? ""}|${req.endDate ?? ""}|${req.packed ? "packed" : ""}`;
        return this.get(runId, key, () => client.getPositionValueRange(req, options));
      },
    };
  }

  /** A copy of the counters. */
  stats(): RunMarksCacheStats {
    return { ...this.counts };
  }

  private get(runId: string, key: string, read: () => Promise<GetPositionValueRangeResponse>): Promise<GetPositionValueRangeResponse> {
    let run = this.runs.get(runId);
    if (run) this.runs.delete(runId);
    else run = new Map();
    this.runs.set(runId, run); // most recently used last
    for (const id of this.runs.keys()) {
      if (this.runs.size <= this.maxRuns) break;
      this.runs.delete(id);
    }
    const hit = run.get(key);
    if (hit) {
      this.counts.hits++;
      run.delete(key);
      run.set(key, hit);
      return hit;
    }
    this.counts.reads++;
    const p = read();
    run.set(key, p);
    for (const k of run.keys()) {
      if (run.size <= this.maxEntriesPerRun) break;
      run.delete(k);
    }
    p.catch(() => {
      if (run.get(key) === p) run.delete(key);
    });
    return p;
  }
}
