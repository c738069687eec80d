/**
 * GetFactorPanel use case: stored betas of many symbols over a range as a dense, columnar panel
 * (SPEC §2: bulk data travels as packed arrays, not one message per row). One bulk store read, then a
 * pure scatter into symbol-major arrays (index = s × dates.length + d).
 */
import { toDayNumber, tradingDays } from "@sigma/calendar";
import { InvalidArgumentError } from "@sigma/runtime";
import { FACTOR_IDS, QUALITY_NONE, type FactorId, type SymbolFactorTable } from "../domain/index.js";
import type { FactorRepository } from "../store/factor-store.js";

/**
 * Largest panel served, in cells (symbols × dates × factors). The full universe (1,193 × 254 × 12 ≈
 * 3.6 M) fits with margin; at ~19 bytes per cell on the wire 20 M cells is ~380 MB, beyond which a
 * caller must split the request by symbols or dates.
 */
export const MAX_PANEL_CELLS = 20_000_000;

/** One factor's packed values over the panel, symbol-major. */
export interface FactorPanelColumn {
  factor: FactorId;
  /** NaN where no beta is stored. */
  beta: Float64Array;
  /** NaN where no beta is stored. */
  r2: Float64Array;
  /** 0 where no beta is stored. */
  nObs: Int32Array;
  /** QUALITY_NONE (0) where no beta is stored, else the stored quality code. */
  quality: Uint8Array;
}

/** A dense symbols × dates panel with one column set per factor. */
export interface FactorPanel {
  dates: string[];
  symbols: string[];
  columns: FactorPanelColumn[];
}

/** What a panel request names (already normalized and validated by the handler). */
export interface FactorPanelRequest {
  /** Normalized, de-duplicated symbols; the panel keeps this order. */
  symbols: readonly string[];
  /** Inclusive range, ISO dates, startDate ≤ endDate. */
  startDate: string;
  endDate: string;
  /** Factors in canonical order, at least one. */
  factors: readonly FactorId[];
}

/**
 * Scatters stored rows into a dense panel. Cells without a stored row (or with the factor absent)
 * stay NaN / NaN / 0 / QUALITY_NONE. Pure.
 *
 * @param table stored rows (any order); only `factors` are copied.
 * @param symbols panel rows (symbol axis); rows of other symbols are an error.
 * @param dates panel calendar (date axis), ascending.
 * @throws RangeError when the table holds a symbol or date outside the axes (store and calendar
 *   disagree, e.g. a row stored on a non-trading date): never dropped silently.
 */
export function buildFactorPanel(
  table: SymbolFactorTable,
  symbols: readonly string[],
  dates: readonly string[],
  factors: readonly FactorId[],
): FactorPanel {
  const S = symbols.length;
  const D = dates.length;
  const symbolIndex = new Map(symbols.map((s, i) => [s, i]));
  const dateIndex = new Map(dates.map((d, i) => [d, i]));
  const nf = table.factors.length;
  const columns = factors.map((factor): FactorPanelColumn & { j: number } => {
    const j = table.factors.indexOf(factor);
    if (j < 0) throw new RangeError(`factor ${factor} is not in the stored table`);
    return {
      factor,
      j,
      beta: new Float64Array(S * D).fill(NaN),
      r2: new Float64Array(S * D).fill(NaN),
      nObs: new Int32Array(S * D),
      quality: new Uint8Array(S * D),
    };
  });
  for (let r = 0; r < table.rowCount; r++) {
    const s = symbolIndex.get(table.symbol[r]!);
    const d = dateIndex.get(table.date[r]!);
    if (s === undefined || d === undefined) {
      throw new RangeError(
        `stored row ${table.symbol[r]} ${table.date[r]} is outside the panel (${S} symbols, ${dates[0] ?? "-"}..${dates.at(-1) ?? "-"} trading dates)`,
      );
    }
    const cell = s * D + d;
    for (const c of columns) {
      const i = r * nf + c.j;
      if (table.quality[i] === QUALITY_NONE) continue;
      c.beta[cell] = table.beta[i]!;
      c.r2[cell] = table.r2[i]!;
      c.nObs[cell] = table.nObs[i]!;
      c.quality[cell] = table.quality[i]!;
    }
  }
  return { dates: [...dates], symbols: [...symbols], columns: columns.map(({ j: _j, ...c }) => c) };
}

/**
 * Reads the panel of `req` with one bulk store read over the trading dates of the range.
 *
 * @returns the dense panel; `dates` is empty (and so are the columns) when the range has no trading date.
 * @throws InvalidArgumentError when symbols × dates × factors exceeds {@link MAX_PANEL_CELLS} (before
 *   any read); RangeError when stored rows fall outside the calendar; the store's error otherwise.
 */
export async function readFactorPanel(store: FactorRepository, req: FactorPanelRequest): Promise<FactorPanel> {
  const factors = FACTOR_IDS.filter((f) => req.factors.includes(f));
  // A cheap lower bound on the trading dates rejects a centuries-long range before materializing its
  // calendar: w full weeks hold 5w weekdays minus holidays (≤ 10 a year) and unscheduled closures (the
  // longest, 2001-09-11..14, took 4), so at least 3w − 4 trading dates.
  const weeks = Math.floor((toDayNumber(req.endDate) - toDayNumber(req.startDate) + 1) / 7);
  requireWithinCap(req.symbols.length, Math.max(0, weeks * 3 - 4), factors.length, "at least ");
  const dates = tradingDays(req.startDate, req.endDate);
  requireWithinCap(req.symbols.length, dates.length, factors.length, "");
  if (dates.length === 0) return buildFactorPanel(emptyTable(), req.symbols, dates, factors);
  const table = await store.readFactors({ symbols: req.symbols, startDate: req.startDate, endDate: req.endDate }, factors);
  return buildFactorPanel(table, req.symbols, dates, factors);
}

/** @throws InvalidArgumentError (field "symbols") when symbols × dates × factors exceeds {@link MAX_PANEL_CELLS}. */
function requireWithinCap(symbols: number, dates: number, factors: number, qualifier: string): void {
  const cells = symbols * dates * factors;
  if (cells <= MAX_PANEL_CELLS) return;
  throw new InvalidArgumentError(`panel too large: ${qualifier}${cells} cells, limit ${MAX_PANEL_CELLS}`, {
    violations: [
      {
        field: "symbols",
        description: `${symbols} symbols × ${qualifier}${dates} trading dates × ${factors} factors = ${qualifier}${cells} cells exceeds the limit of ${MAX_PANEL_CELLS}; split the request by symbols or dates`,
      },
    ],
  });
}

function emptyTable(): SymbolFactorTable {
  return {
    factors: FACTOR_IDS,
    rowCount: 0,
    symbol: [],
    date: [],
    beta: new Float64Array(0),
    r2: new Float64Array(0),
    nObs: new Int32Array(0),
    quality: new Uint8Array(0),
  };
}
