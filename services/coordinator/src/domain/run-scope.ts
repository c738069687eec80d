/**
 * Plans a run over portfolios (SPEC §4 "Dates"): the request's validated range, the (portfolio,
 * date) cells from each portfolio's watermark, and the dates the run processes. Pure.
 */
import { addTradingDays } from "@sigma/calendar";
import { LOOKBACK_TRADING_DAYS, planRun, type RunPlan, type RunRequest } from "./planner.js";
import { type ForcedRange, type PortfolioCells, type PortfolioMark, planPortfolioCells } from "./portfolio-plan.js";

/** A run plan with its per-portfolio cells. */
export interface PortfolioRunPlan extends RunPlan {
  cells: PortfolioCells;
  /** A portfolio-scoped run with no cell: nothing to compute ("already up to date", not an error). */
  upToDate: boolean;
}

/**
 * Plans a run over `portfolios` (the one portfolio of a scoped run, or every active one).
 *
 * - The range is validated as {@link planRun} does (start/end only with force_rerun).
 * - Cells: not forced, each portfolio's dates after its watermark; forced with a range, that range;
 *   a forced portfolio run without one, the portfolio's whole history from its first entry (a
 *   forced universe run without one: the target date).
 * - Dates: a scoped run processes exactly its cells' dates; a universe run the union of the cells'
 *   dates and the requested range (the target date when none), so with no portfolio behind it
 *   covers the target date only.
 *
 * @throws InvalidArgumentError naming the offending field.
 */
export function planPortfolioRun(req: RunRequest, targetDate: string, portfolios: readonly PortfolioMark[]): PortfolioRunPlan {
  const base = planRun(req, targetDate);
  let forced: ForcedRange | undefined;
  if (req.forceRerun) {
    // Without a range a forced portfolio run recomputes that portfolio's whole history; a forced
    // universe run keeps its range (the target date by default), every portfolio included.
    const whole = req.portfolioId && !req.startDate && !req.endDate;
    forced = whole ? {} : { startDate: base.dates[0], endDate: base.dates.at(-1) };
  }
  const cells = planPortfolioCells(portfolios, targetDate, forced);
  const dates = req.portfolioId ? cells.dates : [...new Set([...base.dates, ...cells.dates])].sort();
  return {
    targetDate,
    dates,
    historyStartDate: dates.length ? addTradingDays(dates[0]!, -LOOKBACK_TRADING_DAYS) : base.historyStartDate,
    cells,
    upToDate: dates.length === 0,
  };
}

/** The cells as (portfolio, date) pairs, by date then portfolio (a dry run's answer). */
export function cellList(cells: PortfolioCells): { portfolioId: string; date: string }[] {
  const out: { portfolioId: string; date: string }[] = [];
  for (const [portfolioId, dates] of cells.byPortfolio) for (const date of dates) out.push({ portfolioId, date });
  return out.sort((a, b) => (a.date === b.date ? a.portfolioId.localeCompare(b.portfolioId) : a.date.localeCompare(b.date)));
}
