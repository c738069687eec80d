/**
 * Per-portfolio watermarks and per-date filtering (SPEC §4 "Dates"): which (portfolio, date) cells a
 * run computes. Pure: portfolios and dates in, cells out.
 */
import { nextTradingDay, tradingDayOnOrAfter, tradingDays } from "@sigma/calendar";

/** What the planner needs to know of a portfolio. */
export interface PortfolioMark {
  id: string;
  /** Earliest entry date of its positions. */
  firstEntryDate: string;
  /** Latest stored snapshot date ("" when none yet). */
  watermarkDate: string;
}

/** A forced range (SPEC §4: start/end only with force_rerun); undefined bounds mean "from the first snapshot" / "to the target". */
export interface ForcedRange {
  startDate?: string;
  endDate?: string;
}

/** The cells of a run: every date it processes and, per portfolio, the dates that portfolio lacks. */
export interface PortfolioCells {
  /** Union of every portfolio's dates, ascending. */
  dates: string[];
  /** portfolio id → its dates (ascending); a portfolio with nothing to do is absent. */
  byPortfolio: Map<string, string[]>;
}

/** The first snapshot date of a portfolio: the first trading date on or after its earliest entry. */
export function firstSnapshotDate(p: PortfolioMark): string {
  return tradingDayOnOrAfter(p.firstEntryDate);
}

/**
 * The (portfolio, date) cells to compute up to `targetDate`.
 *
 * - Not forced: each portfolio gets the trading dates after its watermark (or from its first
 *   snapshot date when it has none) through the target — a portfolio 2 days behind gets exactly its
 *   2 missing dates, a current one gets none.
 * - Forced: each portfolio gets the trading dates of the forced range that are on or after its first
 *   snapshot date; a forced run without a range recomputes each portfolio's whole history.
 */
export function planPortfolioCells(portfolios: readonly PortfolioMark[], targetDate: string, forced?: ForcedRange): PortfolioCells {
  const byPortfolio = new Map<string, string[]>();
  const all = new Set<string>();
  for (const p of portfolios) {
    const first = firstSnapshotDate(p);
    let start: string;
    let end = targetDate;
    if (forced) {
      start = forced.startDate && forced.startDate > first ? forced.startDate : first;
      if (forced.endDate && forced.endDate < end) end = forced.endDate;
    } else {
      start = p.watermarkDate && p.watermarkDate >= first ? nextTradingDay(p.watermarkDate) : first;
    }
    if (start > end) continue;
    const dates = tradingDays(start, end);
    if (dates.length === 0) continue;
    byPortfolio.set(p.id, dates);
    for (const d of dates) all.add(d);
  }
  return { dates: [...all].sort(), byPortfolio };
}

/** The cells of one chunk: each portfolio's dates that fall in `chunk` (portfolios with none are left out). */
export function cellsInChunk(cells: PortfolioCells, chunk: readonly string[]): { portfolioId: string; dates: string[] }[] {
  const inChunk = new Set(chunk);
  const out: { portfolioId: string; dates: string[] }[] = [];
  for (const [portfolioId, dates] of cells.byPortfolio) {
    const d = dates.filter((x) => inChunk.has(x));
    if (d.length) out.push({ portfolioId, dates: d });
  }
  return out;
}
