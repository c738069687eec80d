/**
 * A run-scoped cache of closes in front of a {@link PriceSource}. The coordinator computes phases
 * 1.5 and 1.75 on consecutive date chunks, and each call needs [chunkStart − 300 trading days,
 * chunkEnd]: without a cache every call re-reads ~15× more closes than are new. Prices do not change
 * during a run (phase 1 completes before phase 1.5 starts), so calls of the same run may share them.
 *
 * Per run the cache keeps one panel (symbols × dates). It is exact, not approximate: the panel handed
 * out is cut to precisely the requested [start, end] and symbols, so the computation sees the same
 * closes as with an uncached read (market-data's dates are the trading calendar of the range).
 */
import { nextTradingDay } from "@sigma/calendar";
import { appendPanel, slicePanel } from "./aligned-panel.js";
import { type AlignedCloses, type PriceSource, PriceSeriesError } from "./price-source.js";

/** Tuning of a {@link RunPriceCache}. */
export interface RunPriceCacheOptions {
  /** Runs kept at once, least recently used evicted first (default 2: the current run and a straggler). */
  maxRuns?: number;
  /** Panels kept per run (one per item of N symbols; default 64), least recently used dropped first. */
  maxPanelsPerRun?: number;
  /** A run's panel is dropped after this many milliseconds without a request (default 10 minutes). */
  idleMs?: number;
  /** Clock in epoch milliseconds (tests inject one). */
  now?: () => number;
}

/** How requests were served since the cache was created. */
export interface RunPriceCacheStats {
  /** Served entirely from the cached panel. */
  hits: number;
  /** Served after reading only the dates past the cached end. */
  tailFetches: number;
  /** Read in full (no panel for the run, other symbols, or an earlier start). */
  fullFetches: number;
  /** Requests without a run id, passed straight through. */
  uncached: number;
}

/** One run's panel: every symbol in `symbols` has a series over `panel.dates`, i.e. [start, end]. */
interface Entry {
  symbols: readonly string[];
  symbolSet: ReadonlySet<string>;
  /** Requested bounds the panel covers (need not be trading days). */
  start: string;
  end: string;
  panel: AlignedCloses;
  lastUsed: number;
}

export const DEFAULT_CACHE_RUNS = 2;
/** Panels per run: items of 64 symbols cover 4,096 symbols (a 72-symbol × 320-date panel is ~0.2 MB). */
export const DEFAULT_CACHE_PANELS_PER_RUN = 64;
export const DEFAULT_CACHE_IDLE_MS = 10 * 60_000;

/**
 * Caches the panels loaded per run id: one per item of the run (the coordinator cuts a chunk's
 * symbols into items of N symbols, spread over the factor replicas, so a run's calls on one replica
 * name several disjoint symbol sets).
 *
 * - A panel of the run whose symbols ⊇ the requested ones and whose start ≤ the requested start
 *   serves the request: from the cache when end ≤ its end; otherwise only
 *   [nextTradingDay(its end), end] is read (for all its symbols) and appended. A subset is served
 *   because phase 1.5 reads the item's symbols plus the factor ETFs and phase 1.75 the symbols
 *   alone, alternately per chunk: exact set equality would reload on every call.
 * - No such panel: the request is read in full and becomes a new panel of the run; panels whose
 *   symbols it covers are dropped. A run keeps at most `maxPanelsPerRun` panels (least recently used
 *   dropped first).
 * - After serving, the panel's dates before the request's start are dropped (chunks move forward),
 *   so a run holds about one lookback window of closes per item.
 *
 * Entries are replaced, never mutated, so concurrent calls of one run stay correct (at worst one of
 * them reads more than needed). A failed read leaves the previous panels in place.
 */
export class RunPriceCache {
  /** Per run, its panels, most recently used first; runs in least-recently-used order. */
  private readonly runs = new Map<string, Entry[]>();
  private readonly maxRuns: number;
  private readonly maxPanelsPerRun: number;
  private readonly idleMs: number;
  private readonly now: () => number;
  private readonly counts: RunPriceCacheStats = { hits: 0, tailFetches: 0, fullFetches: 0, uncached: 0 };

  /**
   * @throws RangeError when maxRuns < 1, maxPanelsPerRun < 1 or idleMs ≤ 0.
   */
  constructor(
    private readonly source: PriceSource,
    opts: RunPriceCacheOptions = {},
  ) {
    this.maxRuns = opts.maxRuns ?? DEFAULT_CACHE_RUNS;
    this.maxPanelsPerRun = opts.maxPanelsPerRun ?? DEFAULT_CACHE_PANELS_PER_RUN;
    this.idleMs = opts.idleMs ?? DEFAULT_CACHE_IDLE_MS;
    this.now = opts.now ?? Date.now;
    if (!Number.isInteger(this.maxRuns) || this.maxRuns < 1)
      throw new RangeError(`maxRuns must be a positive integer, got ${this.maxRuns}`);
    if (!Number.isInteger(this.maxPanelsPerRun) || this.maxPanelsPerRun < 1)
      throw new RangeError(`maxPanelsPerRun must be a positive integer, got ${this.maxPanelsPerRun}`);
    if (!(this.idleMs > 0)) throw new RangeError(`idleMs must be positive, got ${this.idleMs}`);
  }

  /**
   * A {@link PriceSource} whose reads go through this cache under `runId`; with an empty run id every
   * read goes to the underlying source (no caching, the behaviour without a run; counted as uncached).
   */
  forRun(runId: string): PriceSource {
    return { closes: (symbols, startDate, endDate, signal) => this.closes(runId, symbols, startDate, endDate, signal) };
  }

  /**
   * Closes of `symbols` over [startDate, endDate], from one of the run's cached panels where possible.
   *
   * @param runId "" bypasses the cache.
   * @returns the same dates and closes as `source.closes(symbols, startDate, endDate)` (fresh arrays).
   * @throws the source's error; PriceSeriesError when the source omits a requested series or returns
   *   dates outside the requested range.
   */
  async closes(
    runId: string,
    symbols: readonly string[],
    startDate: string,
    endDate: string,
    signal?: AbortSignal,
  ): Promise<AlignedCloses> {
    if (runId === "") {
      this.counts.uncached++;
      return this.source.closes(symbols, startDate, endDate, signal);
    }
    this.evictIdle();
    const cached = (this.runs.get(runId) ?? []).find((e) => startDate >= e.start && symbols.every((s) => e.symbolSet.has(s)));
    let entry: Entry;
    if (cached !== undefined) {
      if (endDate <= cached.end) {
        this.counts.hits++;
        entry = cached;
      } else {
        entry = await this.extend(cached, endDate, signal);
      }
    } else {
      entry = await this.load(symbols, startDate, endDate, signal);
    }
    entry = { ...trim(entry, startDate), lastUsed: this.now() };
    this.store(runId, entry, cached);
    return slicePanel(entry.panel, symbols, startDate, endDate);
  }

  /** Runs currently cached, least recently used first. */
  runIds(): string[] {
    return [...this.runs.keys()];
  }

  /** How many panels a run holds (0 when it is not cached). */
  panelCount(runId: string): number {
    return this.runs.get(runId)?.length ?? 0;
  }

  /** A copy of the request counters. */
  stats(): RunPriceCacheStats {
    return { ...this.counts };
  }

  /** Reads [nextTradingDay(entry.end), endDate] for the entry's symbols and appends it. */
  private async extend(entry: Entry, endDate: string, signal: AbortSignal | undefined): Promise<Entry> {
    const tailStart = nextTradingDay(entry.end);
    // e.g. cached through Friday, asked through Sunday: nothing new to read.
    if (tailStart > endDate) {
      this.counts.hits++;
      return { ...entry, end: endDate };
    }
    this.counts.tailFetches++;
    const tail = await this.source.closes(entry.symbols, tailStart, endDate, signal);
    requireWithin(tail, tailStart, endDate);
    return { ...entry, end: endDate, panel: appendPanel(entry.panel, tail) };
  }

  /** Reads the whole request; it becomes a panel of the run. */
  private async load(symbols: readonly string[], startDate: string, endDate: string, signal: AbortSignal | undefined): Promise<Entry> {
    this.counts.fullFetches++;
    const panel = await this.source.closes(symbols, startDate, endDate, signal);
    requireWithin(panel, startDate, endDate);
    for (const s of symbols) {
      const c = panel.closes.get(s);
      if (c === undefined) throw new PriceSeriesError(`price source returned no series for ${s}`);
      if (c.length !== panel.dates.length) throw new PriceSeriesError(`series ${s} has ${c.length} closes for ${panel.dates.length} dates`);
    }
    const list = [...new Set(symbols)];
    return { symbols: list, symbolSet: new Set(list), start: startDate, end: endDate, panel, lastUsed: 0 };
  }

  /**
   * Puts `entry` first in its run (replacing `replaced`, the panel it was made from, and any panel
   * whose symbols it covers), caps the run's panels, makes the run the most recently used and evicts
   * the least recently used runs beyond maxRuns.
   */
  private store(runId: string, entry: Entry, replaced: Entry | undefined): void {
    // Read again: concurrent calls of the run may have stored panels while this one awaited its read.
    const others = (this.runs.get(runId) ?? []).filter((e) => e !== replaced && !e.symbols.every((s) => entry.symbolSet.has(s)));
    this.runs.delete(runId);
    this.runs.set(runId, [entry, ...others].slice(0, this.maxPanelsPerRun));
    for (const id of this.runs.keys()) {
      if (this.runs.size <= this.maxRuns) break;
      this.runs.delete(id);
    }
  }

  /** Drops panels (and runs) idle for longer than idleMs (checked on each request: no timer keeps the process alive). */
  private evictIdle(): void {
    const now = this.now();
    for (const [id, panels] of this.runs) {
      const live = panels.filter((e) => now - e.lastUsed <= this.idleMs);
      if (live.length === 0) this.runs.delete(id);
      else if (live.length !== panels.length) this.runs.set(id, live);
    }
  }
}

/**
 * The entry without dates before `startDate` (dates kept ≥ startDate, so later chunks, which start
 * later, are still covered).
 */
function trim(entry: Entry, startDate: string): Entry {
  if (startDate <= entry.start) return entry;
  const panel = slicePanel(entry.panel, entry.symbols, startDate, entry.end);
  return { ...entry, start: startDate, panel };
}

/** The source must answer with dates inside the asked range, or slicing the cache would be wrong. */
function requireWithin(panel: AlignedCloses, startDate: string, endDate: string): void {
  const first = panel.dates[0];
  const last = panel.dates.at(-1);
  if ((first !== undefined && first < startDate) || (last !== undefined && last > endDate)) {
    throw new PriceSeriesError(`price source returned ${first}..${last} for ${startDate}..${endDate}`);
  }
}
