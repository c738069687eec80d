/**
 * Phase 1.5 and 1.75 use cases: fetch prices (with lookback) → compute with the pure domain → replace
 * the stored range → report typed counters. A request whose symbols have prices but that would write
 * nothing fails loudly instead of reporting "success" (SPEC §1: the old system's silent skips).
 */
import { addTradingDays, tradingDays } from "@sigma/calendar";
import { FailedPreconditionError, InvalidArgumentError } from "@sigma/runtime";
import {
  computeSymbolFactors,
  computeSymbolMetrics,
  FACTOR_ETFS,
  FactorInputError,
  type SkipReason,
  type SymbolProblem,
} from "../domain/index.js";
import type { FactorRepository } from "../store/factor-store.js";
import { missingCloseProblems, type ReportedProblem } from "./missing-closes.js";
import type { AlignedCloses, PriceSource } from "@sigma/prices";

/**
 * Trading days of history loaded before the first output date. The longest windows: spread betas
 * (180 returns = 181 closes), 252-day return / drawdown (253 closes), YTD anchor (≤ 1 year back);
 * 300 covers all of them with margin.
 */
export const LOOKBACK_TRADING_DAYS = 300;

/** What a compute request names. */
export interface ComputeRequest {
  /** Normalized, de-duplicated symbols. */
  symbols: readonly string[];
  /** Inclusive output range, ISO dates, startDate ≤ endDate. */
  startDate: string;
  endDate: string;
}

/** Typed result of a compute phase. */
export interface PhaseOutcome {
  /** Symbols requested. */
  inputs: number;
  /** Symbol-date rows written. */
  outputs: number;
  /**
   * Skips by reason. Units: NO_PRICES counts symbols; NO_CLOSE counts symbol-dates (metrics);
   * INSUFFICIENT_HISTORY and DEGENERATE_REGRESSOR count symbol-date-factor values (factors).
   */
  skipped: Record<SkipReason, number>;
  /**
   * Symbol-level problems, at most one per symbol: NO_PRICES / INSUFFICIENT_HISTORY for symbols that
   * produced no rows at all, NO_CLOSE (with the first date) for symbols with prices but gaps in the range.
   */
  problems: ReportedProblem[];
  /** Regressions fitted (factors only; a ridge fit counts once for its 6 betas). */
  fits: number;
}

/** What the use cases need. */
export interface ComputeDeps {
  prices: PriceSource;
  store: FactorRepository;
}

/** Checks the range has trading dates and returns the first date of the lookback window. */
function lookbackStart(req: ComputeRequest): string {
  if (tradingDays(req.startDate, req.endDate).length === 0) {
    throw new InvalidArgumentError(`no trading date in ${req.startDate}..${req.endDate}`, {
      violations: [{ field: "start_date", description: "the range contains no NYSE trading date" }],
    });
  }
  return addTradingDays(req.startDate, -LOOKBACK_TRADING_DAYS);
}

/** Domain input errors are the caller's fault (the handler validates first, so this is a backstop). */
function asInvalidArgument<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof FactorInputError) throw new InvalidArgumentError(err.message, { cause: err });
    throw err;
  }
}

/**
 * Symbol-level reasons that make a symbol ineligible for a range: no prices at all, or too few returns
 * before the range's dates (the first dates of a price history). Both are counted skips, not failures:
 * a forced run starting at the first dates of the history must store every later date (issue #6.9).
 */
const INELIGIBLE: ReadonlySet<string> = new Set(["NO_PRICES", "INSUFFICIENT_HISTORY"]);

/**
 * Fails loudly when symbols had prices and enough history but nothing would be written (never a silent
 * "success"). Symbols skipped as NO_PRICES or INSUFFICIENT_HISTORY are not eligible: a range made only
 * of them writes 0 rows and reports the skips (the coordinator fails a phase with no output over a
 * whole run).
 */
function requireOutput(phase: string, req: ComputeRequest, rows: number, problems: readonly ReportedProblem[]): void {
  const ineligible = new Set(problems.filter((p) => INELIGIBLE.has(p.reason)).map((p) => p.symbol));
  const eligible = req.symbols.length - ineligible.size;
  if (eligible > 0 && rows === 0) {
    const sample = problems
      .slice(0, 5)
      .map((p) => `${p.symbol}: ${p.reason}, ${p.detail}`)
      .join("; ");
    throw new FailedPreconditionError(
      `${phase}: ${eligible} symbol(s) have prices but no row could be computed for ${req.startDate}..${req.endDate}` +
        (sample ? ` (${sample})` : ""),
    );
  }
}

/**
 * The domain's problems followed by one NO_CLOSE problem per other symbol with close gaps in the range
 * (a symbol the domain already reported keeps that single problem).
 */
function withMissingCloses(domain: readonly SymbolProblem[], prices: AlignedCloses, req: ComputeRequest): ReportedProblem[] {
  const reported = new Set(domain.map((p) => p.symbol));
  return [...domain, ...missingCloseProblems(prices, req.symbols, req.startDate, req.endDate, reported)];
}

/** The factor ETFs must have prices in the range, or every beta would silently be missing. */
function requireFactorEtfs(prices: AlignedCloses, req: ComputeRequest): void {
  const from = prices.dates.findIndex((d) => d >= req.startDate);
  const missing = FACTOR_ETFS.filter((etf) => {
    const c = prices.closes.get(etf);
    if (c === undefined) return true;
    for (let i = Math.max(from, 0); i < c.length; i++) if (Number.isFinite(c[i]!)) return false;
    return true;
  });
  if (missing.length > 0) {
    throw new FailedPreconditionError(
      `no prices for factor ETF(s) ${missing.join(", ")} in ${req.startDate}..${req.endDate}: run market data (phase 1) first`,
    );
  }
}

/**
 * Phase 1.5: computes and stores the 12 factor betas of `req.symbols` on every trading date of the range.
 * Prices are read in one GetPriceSeries request (a few batches for thousands of symbols) together with
 * the 8 factor ETFs, over [startDate − 300 trading days, endDate].
 *
 * @returns counters, problems (including one NO_CLOSE problem per symbol with close gaps in the range)
 *   and the number of fits.
 * @throws InvalidArgumentError when the range has no trading date; FailedPreconditionError when a factor
 *   ETF has no prices in the range or eligible symbols yield no row (nothing is written then; symbols
 *   with no prices or too little history are counted skips, not eligible); the price source's or
 *   store's error otherwise.
 */
export async function computeFactorsForRange(deps: ComputeDeps, req: ComputeRequest, signal?: AbortSignal): Promise<PhaseOutcome> {
  const from = lookbackStart(req);
  const fetchSymbols = [...new Set([...FACTOR_ETFS, ...req.symbols])];
  const prices = await deps.prices.closes(fetchSymbols, from, req.endDate, signal);
  requireFactorEtfs(prices, req);
  const result = asInvalidArgument(() =>
    computeSymbolFactors({
      dates: prices.dates,
      closes: prices.closes,
      symbols: req.symbols,
      startDate: req.startDate,
      endDate: req.endDate,
    }),
  );
  const problems = withMissingCloses(result.problems, prices, req);
  requireOutput("symbol factors", req, result.table.rowCount, problems);
  signal?.throwIfAborted();
  const written = await deps.store.replaceFactors(req, result.table);
  return { inputs: req.symbols.length, outputs: written, skipped: result.skips, problems, fits: result.fits };
}

/**
 * Phase 1.75: computes and stores the symbol metrics of `req.symbols` on every trading date of the
 * range that has a close (same lookback as phase 1.5; factor ETFs are not fetched unless requested).
 *
 * @returns counters and problems (including one NO_CLOSE problem per symbol with close gaps in the
 *   range; its dates also count as NO_CLOSE skips); fits is 0.
 * @throws InvalidArgumentError when the range has no trading date; FailedPreconditionError when eligible
 *   symbols yield no row (nothing is written then); the price source's or store's error otherwise.
 */
export async function computeMetricsForRange(deps: ComputeDeps, req: ComputeRequest, signal?: AbortSignal): Promise<PhaseOutcome> {
  const from = lookbackStart(req);
  const prices = await deps.prices.closes(req.symbols, from, req.endDate, signal);
  const result = asInvalidArgument(() =>
    computeSymbolMetrics({
      dates: prices.dates,
      closes: prices.closes,
      symbols: req.symbols,
      startDate: req.startDate,
      endDate: req.endDate,
    }),
  );
  const problems = withMissingCloses(result.problems, prices, req);
  requireOutput("symbol metrics", req, result.table.rowCount, problems);
  signal?.throwIfAborted();
  const written = await deps.store.replaceMetrics(req, result.table);
  return { inputs: req.symbols.length, outputs: written, skipped: result.skips, problems, fits: 0 };
}
