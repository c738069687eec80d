/** Request cells (portfolio × dates) deduplicated, with their overall date range. */

/** A (portfolio, dates) cell of a compute request. */
export interface PortfolioCells {
  portfolioId: string;
  dates: readonly string[];
}

/** Distinct dates per portfolio, the total, and the overall [start, end]. */
export interface WantedCells {
  byPortfolio: Map<string, Set<string>>;
  count: number;
  start: string;
  end: string;
}

/** Merges cells (a portfolio may appear twice; duplicate dates count once). */
export function wantedCells(cells: readonly PortfolioCells[]): WantedCells {
  const byPortfolio = new Map<string, Set<string>>();
  let start = "";
  let end = "";
  for (const c of cells) {
    const set = byPortfolio.get(c.portfolioId) ?? new Set<string>();
    for (const d of c.dates) {
      set.add(d);
      if (!start || d < start) start = d;
      if (!end || d > end) end = d;
    }
    byPortfolio.set(c.portfolioId, set);
  }
  const count = [...byPortfolio.values()].reduce((s, v) => s + v.size, 0);
  return { byPortfolio, count, start, end };
}

/** "N of M dates (first D)" style summary of a sorted date list. */
export function datesSummary(dates: readonly string[], of: number): string {
  return `${dates.length} of ${of} date${of === 1 ? "" : "s"} (first ${dates[0]}${dates.length > 1 ? `, last ${dates.at(-1)}` : ""})`;
}
