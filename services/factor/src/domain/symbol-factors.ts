/**
 * Phase 1.5 use case: the 12 factor betas of every symbol on every date of a range (SPEC §3, §3.1).
 *
 * Pure: takes calendar-aligned closes, returns a wide columnar table (one row per symbol-date holding all
 * 12 factors) for bulk storage, plus skip counts by reason. The regressions run on the shared-regressor
 * panel of @sigma/quant, so the factor-ETF side is computed once per date for all symbols.
 */
import { InvalidDateError, toDayNumber } from "@sigma/calendar";
import {
  FIT_STATUS_NAMES,
  FitStatus,
  MARKET_MIN_OBS,
  MARKET_WINDOW,
  RIDGE_ALPHA,
  SPREAD_MIN_OBS,
  SPREAD_WINDOW,
  STYLE_WINDOW,
  SharedRegressorPanel,
  betaQuality,
  clipBeta,
  simpleReturns,
  weekBlockIds,
  type PanelRegressionSpec,
} from "@sigma/quant";
import { closesOf, dateRange, hasAnyClose } from "./calendar-range.js";
import {
  FACTOR_ETFS,
  FACTOR_IDS,
  FactorInputError,
  QUALITY_FULL,
  QUALITY_LIMITED,
  QUALITY_NONE,
  SPREAD_FACTORS,
  STYLE_FACTORS,
  type FactorId,
  type SkipReason,
  type SymbolProblem,
} from "./factor-ids.js";

/** Input of {@link computeSymbolFactors}. */
export interface SymbolFactorsInput {
  /** Trading calendar, ISO dates strictly ascending; must start early enough for the 180-day windows. */
  dates: readonly string[];
  /** symbol → closes aligned to `dates` (NaN = no close). Must include the 8 factor ETFs. */
  closes: ReadonlyMap<string, Float64Array>;
  /** Symbols to compute (factor ETFs may be among them). */
  symbols: readonly string[];
  /** First and last date of output (inclusive, ISO). */
  startDate: string;
  endDate: string;
}

/**
 * Wide columnar table: row r is (symbol[r], date[r]); factor f of row r sits at index r × 12 + f in
 * the per-factor arrays, in {@link FACTOR_IDS} order. A factor without a value on a row has beta and
 * r2 NaN, nObs 0 and quality 0.
 */
export interface SymbolFactorTable {
  factors: readonly FactorId[];
  rowCount: number;
  symbol: string[];
  date: string[];
  /** Clipped beta in [−5, 5]. */
  beta: Float64Array;
  /** r² of the unclipped fit (NaN if the symbol's returns had zero variance). */
  r2: Float64Array;
  nObs: Int32Array;
  /** 0 none, 1 FULL, 2 LIMITED. */
  quality: Uint8Array;
}

/** Output of {@link computeSymbolFactors}. */
export interface SymbolFactorsResult {
  table: SymbolFactorTable;
  /** Skipped factor values (symbol × date × factor) by reason; NO_PRICES counts symbols. */
  skips: Record<SkipReason, number>;
  /** Symbols that produced no rows, with the reason. */
  problems: SymbolProblem[];
  /** Regressions fitted successfully (a ridge fit counts once, for its 6 betas). */
  fits: number;
  /** (regression, date) pairs that needed the exact fallback because the symbol's returns had gaps. */
  fallbackFits: number;
}

const NF = FACTOR_IDS.length;

function unit(j: number): number[] {
  const w = new Array<number>(FACTOR_ETFS.length).fill(0);
  w[j] = 1;
  return w;
}

function etfIndex(sym: string): number {
  return (FACTOR_ETFS as readonly string[]).indexOf(sym);
}

/** The 7 regressions of SPEC §3 over the base series FACTOR_ETFS, with the factor columns they fill. */
function regressionSpecs(): { spec: PanelRegressionSpec; factors: FactorId[] }[] {
  const out: { spec: PanelRegressionSpec; factors: FactorId[] }[] = [
    {
      spec: { id: "market", kind: "ols", regressors: [unit(etfIndex("SPY"))], window: MARKET_WINDOW, minObs: MARKET_MIN_OBS },
      factors: ["market"],
    },
    {
      spec: { id: "ir", kind: "ols", regressors: [unit(etfIndex("TLT"))], window: MARKET_WINDOW, minObs: MARKET_MIN_OBS },
      factors: ["ir"],
    },
    {
      spec: {
        id: "style",
        kind: "ridge",
        regressors: STYLE_FACTORS.map(([, etf]) => unit(etfIndex(etf))),
        window: STYLE_WINDOW,
        minObs: MARKET_MIN_OBS,
        alpha: RIDGE_ALPHA,
      },
      factors: STYLE_FACTORS.map(([f]) => f),
    },
  ];
  for (const [f, long, short] of SPREAD_FACTORS) {
    const w = unit(etfIndex(long));
    w[etfIndex(short)] = -1;
    out.push({ spec: { id: f, kind: "ols", regressors: [w], window: SPREAD_WINDOW, minObs: SPREAD_MIN_OBS }, factors: [f] });
  }
  return out;
}

/**
 * Summation block id of every calendar date (fixed two-week spans, see `weekBlockIds`): derived from
 * each date alone, so a stored value keeps its bits whatever range or history start computed it.
 *
 * @throws FactorInputError when a date is not a real calendar date (e.g. 2023-02-30).
 */
function blockIdsOf(dates: readonly string[]): Int32Array {
  const days = dates.map((d) => {
    try {
      return toDayNumber(d);
    } catch (e) {
      if (e instanceof InvalidDateError) throw new FactorInputError(`calendar date is not a real date: ${d}`);
      throw e;
    }
  });
  return weekBlockIds(days);
}

function emptySkips(): Record<SkipReason, number> {
  return { NO_PRICES: 0, INSUFFICIENT_HISTORY: 0, DEGENERATE_REGRESSOR: 0, NO_CLOSE: 0 };
}

/**
 * Compute the 12 factor betas for every symbol and every calendar date in [startDate, endDate].
 *
 * Rules (SPEC §3.1): a return needs closes on both consecutive calendar dates; a window of N is the N
 * calendar dates ending at t; n_obs counts the dates where y and every regressor have a return; below
 * the minimum (or n ≤ 6 for the style ridge) the factor is skipped as INSUFFICIENT_HISTORY; a
 * zero-variance regressor skips as DEGENERATE_REGRESSOR. A row is emitted for a symbol-date when at
 * least one factor has a value. Note: a symbol whose prices stop keeps getting LIMITED rows while the
 * window still holds ≥ minimum returns, because n_obs (not the presence of a return on t) decides.
 *
 * @throws FactorInputError on a malformed calendar or range, closes of the wrong length, or a missing
 *   factor ETF series.
 */
export function computeSymbolFactors(input: SymbolFactorsInput): SymbolFactorsResult {
  const { dates, closes, symbols } = input;
  const T = dates.length;
  const skips = emptySkips();
  const problems: SymbolProblem[] = [];
  const range = dateRange(dates, input.startDate, input.endDate);
  const base = FACTOR_ETFS.map((etf) => {
    const c = closesOf(closes, etf, T);
    if (c === undefined) throw new FactorInputError(`factor ETF ${etf} has no price series`);
    return simpleReturns(c);
  });
  const empty: SymbolFactorTable = {
    factors: FACTOR_IDS,
    rowCount: 0,
    symbol: [],
    date: [],
    beta: new Float64Array(0),
    r2: new Float64Array(0),
    nObs: new Int32Array(0),
    quality: new Uint8Array(0),
  };
  if (range === null || symbols.length === 0) return { table: empty, skips, problems, fits: 0, fallbackFits: 0 };

  const { from, to } = range;
  const regs = regressionSpecs();
  const panel = new SharedRegressorPanel(
    base,
    regs.map((r) => r.spec),
    from,
    to,
    blockIdsOf(dates),
  );
  const colOf = regs.map((r) => r.factors.map((f) => FACTOR_IDS.indexOf(f)));
  const L = panel.L;
  const cap = symbols.length * L;
  const beta = new Float64Array(cap * NF);
  const r2 = new Float64Array(cap * NF);
  const nObs = new Int32Array(cap * NF);
  const quality = new Uint8Array(cap * NF);
  const symbolCol: string[] = [];
  const dateCol: string[] = [];
  let rows = 0;
  let fits = 0;

  for (const sym of symbols) {
    const c = closesOf(closes, sym, T);
    if (c === undefined || !hasAnyClose(c, to)) {
      skips.NO_PRICES++;
      problems.push({
        symbol: sym,
        reason: "NO_PRICES",
        detail: c === undefined ? "no price series" : `no close on or before ${dates[to]}`,
      });
      continue;
    }
    panel.fitSymbol(simpleReturns(c));
    const before = rows;
    for (let o = 0; o < L; o++) {
      const r = rows * NF;
      let any = false;
      for (let g = 0; g < regs.length; g++) {
        const out = panel.outputs[g]!;
        const spec = regs[g]!.spec;
        const cols = colOf[g]!;
        const st = out.status[o]!;
        if (st !== FitStatus.OK) {
          skips[FIT_STATUS_NAMES[st] as SkipReason] += cols.length;
          for (const f of cols) {
            beta[r + f] = NaN;
            r2[r + f] = NaN;
            nObs[r + f] = 0;
            quality[r + f] = QUALITY_NONE;
          }
          continue;
        }
        fits++;
        any = true;
        const n = out.nObs[o]!;
        const q = betaQuality(n, spec.window, spec.minObs) === "FULL" ? QUALITY_FULL : QUALITY_LIMITED;
        for (let j = 0; j < cols.length; j++) {
          const f = cols[j]!;
          beta[r + f] = clipBeta(out.beta[o * out.k + j]!);
          r2[r + f] = out.r2[o]!;
          nObs[r + f] = n;
          quality[r + f] = q;
        }
      }
      if (any) {
        symbolCol.push(sym);
        dateCol.push(dates[from + o]!);
        rows++;
      }
    }
    if (rows === before)
      problems.push({ symbol: sym, reason: "INSUFFICIENT_HISTORY", detail: "no factor has enough returns in the range" });
  }
  return {
    table: {
      factors: FACTOR_IDS,
      rowCount: rows,
      symbol: symbolCol,
      date: dateCol,
      beta: beta.slice(0, rows * NF),
      r2: r2.slice(0, rows * NF),
      nObs: nObs.slice(0, rows * NF),
      quality: quality.slice(0, rows * NF),
    },
    skips,
    problems,
    fits,
    fallbackFits: panel.fallbackFits,
  };
}
