/**
 * Phase 4 as a use case: one read of the stored position betas of the requested cells, the pure
 * exposure math of @sigma/quant, one transactional write. A factor with eligible positions and no
 * beta on a date is a data-quality failure: counted (NO_COVERAGE) and listed per portfolio.
 */
import { portfolioExposures, RISK_FACTOR_COUNT, RISK_FACTOR_IDS } from "@sigma/quant";
import { addSkip, newOutcome, type RiskOutcome } from "../domain/outcome.js";
import type { ExposureRow, RiskRepository } from "../domain/ports.js";
import { datesSummary, type PortfolioCells, wantedCells } from "./cells.js";

/** What phase 4 reads and writes through. */
export interface FactorExposureDeps {
  store: RiskRepository;
}

/**
 * Computes and stores factor exposures for (portfolio, dates) cells from their stored position betas.
 *
 * Counters: inputs = distinct requested cells; outputs = rows written; NO_SNAPSHOT per cell without a
 * position-betas row; NOT_ELIGIBLE per cell whose nav is 0 or not finite (weights undefined);
 * NO_COVERAGE per (cell, factor) with eligible positions and no beta, listed as one problem per
 * portfolio and group of factors missing on the same dates.
 *
 * @throws the store's errors; nothing is written then.
 */
export async function computeFactorExposures(deps: FactorExposureDeps, cells: readonly PortfolioCells[]): Promise<RiskOutcome> {
  const wanted = wantedCells(cells);
  const outcome = newOutcome(wanted.count);
  if (wanted.count === 0) return outcome;
  const flat = [...wanted.byPortfolio].flatMap(([portfolioId, dates]) => [...dates].map((date) => ({ portfolioId, date })));
  const stored = await deps.store.readPositionBetas(flat);
  const out: ExposureRow[] = [];
  const have = new Set<string>();
  // portfolio → factor → dates without coverage (and eligible count on the first of them)
  const gaps = new Map<string, Map<number, { dates: string[]; eligible: number }>>();
  const badNav = new Map<string, string[]>();
  for (const row of stored) {
    have.add(`${row.portfolioId}|${row.date}`);
    if (!(Number.isFinite(row.nav) && row.nav !== 0)) {
      addSkip(outcome, "NOT_ELIGIBLE");
      badNav.set(row.portfolioId, [...(badNav.get(row.portfolioId) ?? []), row.date]);
      continue;
    }
    const r = portfolioExposures({ nav: row.nav, marketValue: row.marketValues, eligible: row.eligible, betas: row.betas });
    out.push({
      portfolioId: row.portfolioId,
      date: row.date,
      nav: row.nav,
      beta: r.beta,
      dollar: r.dollarExposure,
      covered: r.coveredCount,
      eligible: r.eligibleCount,
      coverageCount: r.coverageByCount,
      coverageValue: r.coverageByValue,
      noCoverage: r.noCoverage,
      dataQualityFailure: r.dataQualityFailure,
    });
    for (let f = 0; f < RISK_FACTOR_COUNT; f++) {
      if (!r.noCoverage[f]) continue;
      addSkip(outcome, "NO_COVERAGE");
      let byFactor = gaps.get(row.portfolioId);
      if (!byFactor) gaps.set(row.portfolioId, (byFactor = new Map()));
      const g = byFactor.get(f) ?? { dates: [], eligible: r.eligibleCount };
      g.dates.push(row.date);
      byFactor.set(f, g);
    }
  }
  outcome.outputs = await deps.store.replaceExposures(out);

  for (const [portfolioId, dates] of wanted.byPortfolio) {
    const missing = [...dates].filter((d) => !have.has(`${portfolioId}|${d}`)).sort();
    if (missing.length) {
      addSkip(outcome, "NO_SNAPSHOT", missing.length);
      outcome.problems.push({
        symbol: "",
        reason: "NO_SNAPSHOT",
        message: `portfolio ${portfolioId}: no position betas on ${datesSummary(missing, dates.size)}; run phases 2 and 3 for them first`,
        date: missing[0]!,
      });
    }
    const nav = badNav.get(portfolioId);
    if (nav) {
      nav.sort();
      outcome.problems.push({
        symbol: "",
        reason: "NOT_ELIGIBLE",
        message: `portfolio ${portfolioId}: nav is 0 or not a number on ${datesSummary(nav, dates.size)}; weights are undefined`,
        date: nav[0]!,
      });
    }
    const byFactor = gaps.get(portfolioId);
    if (!byFactor) continue;
    // Factors missing on exactly the same dates share one problem (a book without any beta is one line).
    const groups = new Map<string, { factors: string[]; dates: string[]; eligible: number }>();
    for (const [f, g] of [...byFactor].sort(([a], [b]) => a - b)) {
      g.dates.sort();
      const key = g.dates.join(",");
      const grp = groups.get(key) ?? { factors: [], dates: g.dates, eligible: g.eligible };
      grp.factors.push(RISK_FACTOR_IDS[f]!);
      groups.set(key, grp);
    }
    for (const g of groups.values()) {
      const what = g.factors.length === RISK_FACTOR_COUNT ? "any factor" : g.factors.join(", ");
      outcome.problems.push({
        symbol: "",
        reason: "NO_COVERAGE",
        message:
          `portfolio ${portfolioId}: no beta for ${what} on ${datesSummary(g.dates, dates.size)}; ` +
          `${g.eligible} eligible position${g.eligible === 1 ? "" : "s"} (data-quality failure: exposure counted as 0)`,
        date: g.dates[0]!,
      });
    }
  }
  return outcome;
}
