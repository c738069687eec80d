/**
 * Phase 6 (Correlations) for a chunk of (portfolio, date) cells: each portfolio-date's position
 * correlations and the factor ETFs' EWMA of each requested date, from one read of marks and one read
 * of closes for the whole chunk, stored in one transaction.
 */
import { addTradingDays } from "@sigma/calendar";
import type { PriceSource } from "@sigma/prices";
import {
  CORR_WINDOW,
  CorrelationWindow,
  type CorrelationSymbol,
  clipCorrelation,
  EWMA_WINDOW,
  ewmaCovariance,
  FACTOR_ETFS,
  logReturns,
  positionCorrelations,
  simpleReturns,
} from "@sigma/quant";
import {
  addSkip,
  aggregatePublicBySymbol,
  type CellSet,
  type CorrelationRow,
  cellList,
  correlationRowOf,
  type FactorEwmaRow,
  type PortfolioSource,
  type VolCorrOutcome,
} from "../domain/vol-corr-model.js";
import type { VolCorrStore } from "../store/vol-corr-store.js";
import { type SharedWork, UNSHARED } from "./run-claims.js";

/**
 * Trading days of closes read before the chunk's first date: the EWMA's 252 returns need 253 closes
 * ending t (the correlations' 91 closes fit inside).
 */
export const CORR_LOOKBACK_TRADING_DAYS = Math.max(EWMA_WINDOW, CORR_WINDOW);

/** What phase 6 needs. */
export interface CorrelationDeps {
  portfolios: PortfolioSource;
  prices: PriceSource;
  store: Pick<VolCorrStore, "replaceCorrelations">;
  /** The run's claims on factor-EWMA dates (shared by every portfolio): a date another call of the run computes is skipped here. */
  shared?: SharedWork;
}

/** Phase 6 outcome with the split of its outputs. */
export interface CorrelationOutcome extends VolCorrOutcome {
  /** Portfolio-date rows with at least one symbol in the matrix. */
  correlationOutputs: number;
  /** Dates with a factor EWMA. */
  ewmaOutputs: number;
}

/**
 * Computes and stores phase 6 for the cells.
 *
 * Counters: inputs = cells; outputs = correlation rows with ≥ 1 included symbol + factor EWMA dates
 * written (split in correlationOutputs / ewmaOutputs). Skips: NO_SNAPSHOT per cell without a snapshot
 * (its stored row is removed); NOT_ELIGIBLE per cell without any PUBLIC position (a row with an empty
 * matrix is stored); BELOW_MIN_WEIGHT / BELOW_MIN_VALUE / NO_RETURNS / FEW_RETURNS per excluded
 * symbol-date; INSUFFICIENT_HISTORY per requested date without 253 closes of every factor ETF ending
 * there (NO_CLOSE when the date is not a trading date). NO_RETURNS / FEW_RETURNS symbols are also
 * reported as problems (once per symbol and call).
 */
export async function computeCorrelations(deps: CorrelationDeps, cells: CellSet, signal?: AbortSignal): Promise<CorrelationOutcome> {
  const out: CorrelationOutcome = { inputs: cells.count, outputs: 0, skipped: {}, problems: [], correlationOutputs: 0, ewmaOutputs: 0 };
  const portfolioIds = [...cells.byPortfolio.keys()];
  const marks = await deps.portfolios.positionMarks(portfolioIds, cells.minDate, cells.maxDate, signal);
  const marksOf = new Map(marks.map((m) => [`${m.portfolioId}|${m.date}`, m]));

  const inputs: { portfolioId: string; date: string; symbols: ReturnType<typeof aggregatePublicBySymbol> }[] = [];
  const symbols = new Set<string>(FACTOR_ETFS);
  for (const { portfolioId, date } of cellList(cells)) {
    const m = marksOf.get(`${portfolioId}|${date}`);
    if (!m) {
      addSkip(out, "NO_SNAPSHOT");
      continue;
    }
    const agg = aggregatePublicBySymbol(m);
    for (const s of agg) symbols.add(s.symbol);
    inputs.push({ portfolioId, date, symbols: agg });
  }

  // One read of closes for the whole chunk: every symbol over the first date's lookback to the last date.
  const start = addTradingDays(cells.minDate, -CORR_LOOKBACK_TRADING_DAYS);
  const prices = await deps.prices.closes([...symbols].sort(), start, cells.maxDate, signal);
  const index = new Map(prices.dates.map((d, i) => [d, i]));
  const none = new Float64Array(prices.dates.length).fill(NaN);
  const closesOf = (s: string) => prices.closes.get(s) ?? none;
  // Each symbol's log returns once per call, shared by every portfolio-date holding it.
  const returns = new Map<string, Float64Array>();
  const noReturns = logReturns(none);
  const returnsOf = (s: string) => {
    let r = returns.get(s);
    if (!r) returns.set(s, (r = logReturns(closesOf(s))));
    return r;
  };

  const rows: CorrelationRow[] = [];
  const reported = new Set<string>();
  // Running window sums per portfolio across its consecutive dates (cells come portfolio by portfolio, dates ascending).
  let window = new CorrelationWindow();
  let windowOf = "";
  for (const cell of inputs) {
    if (cell.portfolioId !== windowOf) {
      window = new CorrelationWindow();
      windowOf = cell.portfolioId;
    }
    if (cell.symbols.length === 0) addSkip(out, "NOT_ELIGIBLE");
    // A date outside the price calendar (not a trading date) has no closes: every symbol is NO_RETURNS.
    const t = index.get(cell.date) ?? -1;
    // Plain literals, not spreads: this runs for every position of every portfolio-date.
    const input: CorrelationSymbol[] = cell.symbols.map((s) => ({
      symbol: s.symbol,
      weight: s.weight,
      absMarketValue: s.absMarketValue,
      closes: t < 0 ? none : closesOf(s.symbol),
      returns: t < 0 ? noReturns : returnsOf(s.symbol),
    }));
    const result = t < 0 ? positionCorrelations(input, prices.dates.length - 1) : positionCorrelations(input, t, window);
    for (const x of result.excluded) {
      addSkip(out, x.reason);
      if ((x.reason === "NO_RETURNS" || x.reason === "FEW_RETURNS") && !reported.has(x.symbol)) {
        reported.add(x.symbol);
        out.problems.push({
          symbol: x.symbol,
          reason: x.reason,
          message: `${x.nReturns} of ${CORR_WINDOW} returns in the correlation window (minimum 30): left out of the matrix`,
          date: cell.date,
        });
      }
    }
    if (result.symbols.length > 0) out.correlationOutputs++;
    rows.push(correlationRowOf(cell, result));
  }

  // The factor EWMA of a date is shared by every portfolio: only the dates no other call of the run
  // claimed (keys "ewma|date") are computed and replaced here; released again if this call fails.
  const shared = deps.shared ?? UNSHARED;
  const claimed = shared.claim([...new Set(cellList(cells).map((c) => `ewma|${c.date}`))].sort());
  try {
    const ewmaDates = claimed.map((k) => k.slice("ewma|".length));
    return await storeWithEwma(deps, cells, out, rows, ewmaDates, closesOf, index);
  } catch (err) {
    shared.release(claimed);
    throw err;
  }
}

/** The factor EWMA of the claimed dates, then the call's one transactional write. */
async function storeWithEwma(
  deps: CorrelationDeps,
  cells: CellSet,
  out: CorrelationOutcome,
  rows: CorrelationRow[],
  ewmaDates: readonly string[],
  closesOf: (s: string) => Float64Array,
  index: ReadonlyMap<string, number>,
): Promise<CorrelationOutcome> {
  const etfReturns = FACTOR_ETFS.map((s) => simpleReturns(closesOf(s)));
  const ewma: FactorEwmaRow[] = [];
  for (const date of ewmaDates) {
    const t = index.get(date);
    if (t === undefined) {
      addSkip(out, "NO_CLOSE");
      continue;
    }
    const e = ewmaCovariance(etfReturns, t);
    if (!e) {
      addSkip(out, "INSUFFICIENT_HISTORY");
      continue;
    }
    ewma.push({ date, cov: e.cov, corrClipped: clipCorrelation(e.corr, e.d) });
    out.ewmaOutputs++;
  }

  await deps.store.replaceCorrelations(cellList(cells), rows, ewmaDates, ewma);
  out.outputs = out.correlationOutputs + out.ewmaOutputs;
  return out;
}
