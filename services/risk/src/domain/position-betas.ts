/**
 * Phase 3 (SPEC §3 "Position betas", §3.1 "Exposures"), pure: joins each portfolio-date's marks with
 * the stored symbol betas of that date. Eligible = active PUBLIC non-option positions, stale and
 * unpriced ones included (an unpriced PUBLIC position is eligible but usually uncovered). Ineligible
 * positions keep their row (market value, weight) with NaN betas.
 */
import { RISK_FACTOR_COUNT } from "@sigma/quant";
import type { BetaPanel, PortfolioDay, PositionBetaRow } from "./ports.js";

/** The factor service's symbol convention (SPEC §6): upper case, "." → "-". */
export function normalizeSymbol(symbol: string): string {
  return symbol.trim().toUpperCase().replaceAll(".", "-");
}

/** PUBLIC non-option symbols of the days (normalized, sorted, unique): the ones whose betas phase 3 reads. */
export function eligibleSymbols(days: readonly PortfolioDay[]): string[] {
  const out = new Set<string>();
  for (const d of days) for (const p of d.positions) if (p.positionClass === "public") out.add(normalizeSymbol(p.symbol));
  return [...out].sort();
}

/** An eligible symbol without any beta on some portfolio-dates (one per symbol). */
export interface MissingBeta {
  symbol: string;
  /** Eligible position-dates without any beta. */
  positionDates: number;
  /** Distinct dates, ascending. */
  dates: string[];
  /** Distinct portfolios holding it on those dates. */
  portfolioIds: string[];
}

/** Result of {@link buildPositionBetaRows}. */
export interface PositionBetaBuild {
  rows: PositionBetaRow[];
  /** Eligible position-dates whose symbol has no beta for any factor (SkipReason NO_BETA). */
  noBeta: number;
  missing: MissingBeta[];
}

/**
 * Builds one packed row per portfolio-date.
 *
 * @param days marks per (portfolio, date) (the dates to compute).
 * @param panel stored betas covering the days' dates and eligible symbols (dates or symbols it lacks
 *   read as "no beta").
 */
export function buildPositionBetaRows(days: readonly PortfolioDay[], panel: BetaPanel): PositionBetaBuild {
  const k = RISK_FACTOR_COUNT;
  const nd = panel.dates.length;
  const dateIndex = new Map(panel.dates.map((d, i) => [d, i]));
  const symIndex = new Map(panel.symbols.map((s, i) => [s, i]));
  const missing = new Map<string, { n: number; dates: Set<string>; portfolios: Set<string> }>();
  // Each distinct symbol is normalized once (this runs for every position of every portfolio-date).
  const normalized = new Map<string, string>();
  const normalize = (symbol: string) => {
    let n = normalized.get(symbol);
    if (n === undefined) normalized.set(symbol, (n = normalizeSymbol(symbol)));
    return n;
  };
  let noBeta = 0;
  const rows = days.map((day) => {
    const n = day.positions.length;
    const betas = new Float64Array(n * k).fill(Number.NaN);
    const eligible = new Uint8Array(n);
    const marketValues = new Float64Array(n);
    const di = dateIndex.get(day.date);
    day.positions.forEach((p, i) => {
      marketValues[i] = p.marketValue;
      if (p.positionClass !== "public") return;
      eligible[i] = 1;
      const sym = normalize(p.symbol);
      const si = symIndex.get(sym);
      let any = false;
      if (si !== undefined && di !== undefined) {
        const base = (si * nd + di) * k;
        for (let f = 0; f < k; f++) {
          const b = panel.betas[base + f]!;
          if (Number.isFinite(b)) {
            betas[i * k + f] = b;
            any = true;
          }
        }
      }
      if (!any) {
        noBeta++;
        let m = missing.get(sym);
        if (!m) missing.set(sym, (m = { n: 0, dates: new Set(), portfolios: new Set() }));
        m.n++;
        m.dates.add(day.date);
        m.portfolios.add(day.portfolioId);
      }
    });
    return {
      portfolioId: day.portfolioId,
      date: day.date,
      nav: day.nav,
      positionIds: day.positions.map((p) => p.positionId),
      symbols: day.positions.map((p) => p.symbol),
      marketValues,
      eligible,
      betas,
    } satisfies PositionBetaRow;
  });
  return {
    rows,
    noBeta,
    missing: [...missing]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([symbol, m]) => ({ symbol, positionDates: m.n, dates: [...m.dates].sort(), portfolioIds: [...m.portfolios].sort() })),
  };
}
