/**
 * Phase 3 as a use case: one marks read (snapshot service) and one beta panel read (factor service)
 * for all requested cells, the pure join, and one transactional write of the packed rows.
 */
import { buildPositionBetaRows, eligibleSymbols } from "../domain/position-betas.js";
import { addSkip, newOutcome, type RiskOutcome } from "../domain/outcome.js";
import type { PositionMarksSource, RiskRepository, SymbolBetaSource } from "../domain/ports.js";
import { datesSummary, type PortfolioCells, wantedCells } from "./cells.js";

/** What phase 3 reads and writes through. */
export interface PositionBetaDeps {
  marks: PositionMarksSource;
  betas: SymbolBetaSource;
  store: RiskRepository;
}

/**
 * Computes and stores position betas for (portfolio, dates) cells.
 *
 * Counters: inputs = distinct requested cells; outputs = rows written; NO_SNAPSHOT per requested cell
 * without a snapshot (one problem per portfolio); NO_BETA per eligible position-date whose symbol has no
 * beta for any factor (one problem per symbol). Factor-level gaps are phase 4's NO_COVERAGE.
 *
 * @throws the ports' errors (peer unavailable, database failure); nothing is written then.
 */
export async function computePositionBetas(
  deps: PositionBetaDeps,
  cells: readonly PortfolioCells[],
  signal?: AbortSignal,
): Promise<RiskOutcome> {
  const wanted = wantedCells(cells);
  const outcome = newOutcome(wanted.count);
  if (wanted.count === 0) return outcome;
  const all = await deps.marks.days([...wanted.byPortfolio.keys()], wanted.start, wanted.end, signal);
  const days = all.filter((d) => wanted.byPortfolio.get(d.portfolioId)?.has(d.date));
  const symbols = eligibleSymbols(days);
  const panel =
    symbols.length > 0
      ? await deps.betas.panel(symbols, wanted.start, wanted.end, signal)
      : { dates: [], symbols: [], betas: new Float64Array(0) };
  const built = buildPositionBetaRows(days, panel);
  outcome.outputs = await deps.store.replacePositionBetas(built.rows);

  const have = new Set(days.map((d) => `${d.portfolioId}|${d.date}`));
  for (const [portfolioId, dates] of wanted.byPortfolio) {
    const missing = [...dates].filter((d) => !have.has(`${portfolioId}|${d}`)).sort();
    if (missing.length === 0) continue;
    addSkip(outcome, "NO_SNAPSHOT", missing.length);
    outcome.problems.push({
      symbol: "",
      reason: "NO_SNAPSHOT",
      message: `portfolio ${portfolioId}: no snapshot on ${datesSummary(missing, dates.size)}; run phase 2 (snapshots) for them first`,
      date: missing[0]!,
    });
  }
  addSkip(outcome, "NO_BETA", built.noBeta);
  for (const m of built.missing) {
    outcome.problems.push({
      symbol: m.symbol,
      reason: "NO_BETA",
      message:
        `no factor beta on ${m.positionDates} eligible position-date${m.positionDates === 1 ? "" : "s"} ` +
        `(${m.dates.length} date${m.dates.length === 1 ? "" : "s"}, first ${m.dates[0]}) in ${m.portfolioIds.length} portfolio` +
        `${m.portfolioIds.length === 1 ? "" : "s"} (${m.portfolioIds.slice(0, 3).join(", ")}${m.portfolioIds.length > 3 ? ", …" : ""}); ` +
        "counted as uncovered (no price history or too little for a regression)",
      date: m.dates[0]!,
    });
  }
  return outcome;
}
