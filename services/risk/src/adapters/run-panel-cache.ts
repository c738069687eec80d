/**
 * Run-scoped reuse of symbol betas in phase 3. A chunk's portfolio items overlap in symbols (1,000
 * portfolios of 20 among 1,193 symbols: each item of 50 holds ~640 of them), so reading each item's
 * panel from the factor service read every symbol-date about ten times per chunk. Betas of a chunk's
 * dates are final once phase 1.5 committed them, before phase 3 starts, so the calls of one run may
 * share them: an item reads only the symbols no earlier item of the run read for the same dates.
 *
 * Exact: a panel handed out holds the same values as a direct read (slices of earlier answers for the
 * identical date range). Bounded: per run a few date ranges (chunks move forward), per range every
 * symbol once (1,193 symbols × 21 dates × 12 factors ≈ 2.4 MB), at most `maxRuns` runs.
 */
import type { BetaPanel, SymbolBetaSource } from "../domain/ports.js";
import { RISK_FACTOR_COUNT } from "@sigma/quant";

/** One date range's betas: per symbol its dates.length × 12 values. */
interface RangeEntry {
  dates: string[];
  bySymbol: Map<string, Float64Array>;
}

/** Tuning of {@link RunPanelCache}. */
export interface RunPanelCacheOptions {
  /** Runs kept at once (default 2). */
  maxRuns?: number;
  /** Date ranges kept per run (default 2: the current chunk and the previous one). */
  maxRangesPerRun?: number;
}

export class RunPanelCache {
  private readonly runs = new Map<string, Map<string, Promise<RangeEntry>>>();
  private readonly maxRuns: number;
  private readonly maxRangesPerRun: number;
  /** Symbols served from an earlier read / read from the source. */
  readonly counts = { cached: 0, read: 0 };

  /** @throws RangeError when a bound is not a positive integer. */
  constructor(opts: RunPanelCacheOptions = {}) {
    this.maxRuns = opts.maxRuns ?? 2;
    this.maxRangesPerRun = opts.maxRangesPerRun ?? 2;
    if (!Number.isInteger(this.maxRuns) || this.maxRuns < 1)
      throw new RangeError(`maxRuns must be a positive integer, got ${this.maxRuns}`);
    if (!Number.isInteger(this.maxRangesPerRun) || this.maxRangesPerRun < 1)
      throw new RangeError(`maxRangesPerRun must be a positive integer, got ${this.maxRangesPerRun}`);
  }

  /** `source` with the run's earlier reads reused; with an empty run id, `source` itself. */
  forRun(source: SymbolBetaSource, runId: string): SymbolBetaSource {
    if (runId === "") return source;
    return { panel: (symbols, startDate, endDate, signal) => this.panel(source, runId, symbols, startDate, endDate, signal) };
  }

  private async panel(
    source: SymbolBetaSource,
    runId: string,
    symbols: readonly string[],
    startDate: string,
    endDate: string,
    signal: AbortSignal | undefined,
  ): Promise<BetaPanel> {
    if (symbols.length === 0) return source.panel(symbols, startDate, endDate, signal);
    const ranges = this.rangesOf(runId);
    const key = `${startDate}|${endDate}`;
    // Entries are replaced, never mutated in place, so concurrent items of the run stay consistent.
    const before = ranges.get(key);
    const known = before ? await before.catch(() => undefined) : undefined;
    const missing = [...new Set(symbols)].filter((s) => !known?.bySymbol.has(s));
    let entry = known;
    if (!entry || missing.length > 0) {
      const read = source.panel(missing, startDate, endDate, signal).then((p) => merge(known, p));
      ranges.set(key, read);
      while (ranges.size > this.maxRangesPerRun) ranges.delete(ranges.keys().next().value!);
      try {
        entry = await read;
      } catch (err) {
        if (ranges.get(key) === read) {
          if (before) ranges.set(key, before);
          else ranges.delete(key);
        }
        throw err;
      }
      this.counts.read += missing.length;
    }
    this.counts.cached += symbols.length - missing.length;
    const out = symbols.filter((s, i) => entry.bySymbol.has(s) && symbols.indexOf(s) === i);
    // A symbol the factor service did not answer (e.g. refused as a name) is absent, as in a direct read.
    const width = entry.dates.length * RISK_FACTOR_COUNT;
    const betas = new Float64Array(out.length * width);
    out.forEach((s, i) => betas.set(entry.bySymbol.get(s)!, i * width));
    return { dates: entry.dates, symbols: out, betas };
  }

  private rangesOf(runId: string): Map<string, Promise<RangeEntry>> {
    let ranges = this.runs.get(runId);
    if (ranges) this.runs.delete(runId);
    else ranges = new Map();
    this.runs.set(runId, ranges);
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value!);
    return ranges;
  }
}

/** A new entry: `known`'s symbols plus the panel's (each symbol's values copied out of the panel). */
function merge(known: RangeEntry | undefined, p: BetaPanel): RangeEntry {
  if (known && (known.dates.length !== p.dates.length || known.dates.some((d, i) => d !== p.dates[i]))) {
    throw new Error(`factor panel calendar changed within a run for ${p.dates[0]}..${p.dates.at(-1)}`);
  }
  const bySymbol = new Map(known?.bySymbol);
  const width = p.dates.length * RISK_FACTOR_COUNT;
  p.symbols.forEach((s, i) => bySymbol.set(s, p.betas.slice(i * width, (i + 1) * width)));
  return { dates: p.dates, bySymbol };
}
