/**
 * Phases 2 and 2.5 as use cases: read the portfolios and one price panel for all of them (market-data
 * over RPC), run the pure engine, and write each chunk's rows in one transaction.
 */
import { addTradingDays } from "@sigma/calendar";
import type { PriceSource } from "@sigma/prices";
import type { PortfolioRecord, PortfolioSnapshot, SnapshotRepository, StoredPosition } from "../domain/portfolio.js";
import { computeSnapshots, type PricePanel, type SnapshotResult } from "../domain/snapshot-engine.js";

/**
 * Trading days of price history read before a portfolio's first entry: the 63-return vol that prices
 * options needs 64 closes, and stale prices look back to the last earlier close.
 */
export const SNAPSHOT_HISTORY_DAYS = 300;

/** Typed reasons a requested cell or position produced no value (mapped to SkipReason at the edge). */
export type SnapshotSkipReason = "BEFORE_FIRST_ENTRY" | "NO_PRICES";

/** A data-quality note for the run record (one per portfolio and symbol). */
export interface SnapshotProblem {
  portfolioId: string;
  symbol: string;
  reason: SnapshotSkipReason;
  message: string;
  date: string;
}

/** Counters of one call: inputs = requested cells, outputs = rows written. */
export interface SnapshotOutcome {
  inputs: number;
  /** Phase 2: snapshot rows written; phase 2.5: position-value rows written. */
  outputs: number;
  /**
   * Phase 2 only: position-value rows (marks) written with the snapshots. Not in PhaseCounters
   * (outputs stays = snapshot rows, which the coordinator's run record sums).
   */
  positionValues?: number;
  skipped: Partial<Record<SnapshotSkipReason, number>>;
  problems: SnapshotProblem[];
}

/** Thrown for portfolio ids that do not exist (NOT_FOUND at the edge). */
export class UnknownPortfolioError extends Error {
  override readonly name = "UnknownPortfolioError";
  constructor(readonly ids: readonly string[]) {
    super(`unknown portfolio${ids.length > 1 ? "s" : ""}: ${ids.join(", ")}`);
  }
}

/** What the use cases read and write through. */
export interface SnapshotDeps {
  store: SnapshotRepository;
  prices: PriceSource;
}

interface Loaded {
  portfolio: PortfolioRecord;
  positions: StoredPosition[];
}

async function load(store: SnapshotRepository, ids: readonly string[]): Promise<Loaded[]> {
  const unique = [...new Set(ids)];
  const portfolios = await store.listPortfolios({ ids: unique, includeInactive: true });
  const missing = unique.filter((id) => !portfolios.some((p) => p.id === id));
  if (missing.length) throw new UnknownPortfolioError(missing);
  const positions = await store.positionsOf(unique);
  return portfolios.map((portfolio) => ({ portfolio, positions: positions.get(portfolio.id) ?? [] }));
}

/** Every symbol whose closes a portfolio's pricing needs: public symbols, option symbols (quotes) and underlyings. */
export function symbolsToPrice(positions: readonly StoredPosition[]): string[] {
  const out = new Set<string>();
  for (const p of positions) {
    if (p.positionClass === "private") continue;
    out.add(p.symbol);
    if (p.underlying) out.add(p.underlying);
  }
  return [...out].sort();
}

/** One price panel covering every loaded portfolio from its history start through `endDate`. */
async function readPanel(prices: PriceSource, loaded: readonly Loaded[], endDate: string, signal?: AbortSignal): Promise<PricePanel> {
  const symbols = [...new Set(loaded.flatMap((l) => symbolsToPrice(l.positions)))].sort();
  const firstEntry = loaded.map((l) => l.portfolio.firstEntryDate).sort()[0]!;
  const start = addTradingDays(firstEntry, -SNAPSHOT_HISTORY_DAYS);
  const aligned = await prices.closes(symbols, start, endDate, signal);
  return { dates: aligned.dates, closes: aligned.closes };
}

function run(l: Loaded, panel: PricePanel, endDate: string, fromDate?: string): SnapshotResult {
  return computeSnapshots({ positions: l.positions, startingEquity: l.portfolio.startingEquity, prices: panel, endDate, fromDate });
}

/** Unpriced public symbols (the provider never had a close for them) as one problem per portfolio and symbol. */
function unpricedProblems(portfolioId: string, result: SnapshotResult): SnapshotProblem[] {
  const seen = new Map<string, string>();
  result.marks.forEach((day, k) => {
    for (const m of day) if (m.priceStatus === "unpriced" && !seen.has(m.symbol)) seen.set(m.symbol, result.snapshots[k]!.date);
  });
  return [...seen].map(([symbol, date]) => ({
    portfolioId,
    symbol,
    reason: "NO_PRICES" as const,
    message: `no price from the provider: carried at its entry price (unpriced) from ${date}`,
    date,
  }));
}

/**
 * Phase 2: computes and stores the snapshots of the requested (portfolio, dates) cells and the
 * marks of every active position on those dates (`position_marks`, one packed row per portfolio-date, which the risk phases read).
 * Each portfolio is walked from its first snapshot date (so values never depend on chunking); the
 * requested dates' snapshot and mark rows are written in ONE transaction, each cell's marks replaced
 * whole (a position that exited leaves no row behind). Dates before a portfolio's first snapshot
 * date are counted as BEFORE_FIRST_ENTRY.
 *
 * @throws UnknownPortfolioError for ids that do not exist; the price source's error when prices cannot be read.
 */
export async function computeSnapshotCells(
  deps: SnapshotDeps,
  cells: readonly { portfolioId: string; dates: readonly string[] }[],
  signal?: AbortSignal,
): Promise<SnapshotOutcome> {
  const outcome: SnapshotOutcome = { inputs: 0, outputs: 0, skipped: {}, problems: [] };
  const wanted = new Map<string, Set<string>>();
  for (const c of cells) {
    const set = wanted.get(c.portfolioId) ?? new Set<string>();
    for (const d of c.dates) set.add(d);
    wanted.set(c.portfolioId, set);
  }
  outcome.inputs = [...wanted.values()].reduce((s, v) => s + v.size, 0);
  if (outcome.inputs === 0) return outcome;
  const loaded = await load(deps.store, [...wanted.keys()]);
  const endDate = [...wanted.values()]
    .flatMap((s) => [...s])
    .sort()
    .at(-1)!;
  const panel = await readPanel(deps.prices, loaded, endDate, signal);
  const rows: PortfolioSnapshot[] = [];
  for (const l of loaded) {
    const dates = wanted.get(l.portfolio.id)!;
    const sorted = [...dates].sort();
    // Rows only from the cell's first date: earlier dates just carry the NAV (a later chunk of a
    // backfill must not rebuild every earlier date's rows and marks).
    const result = run(l, panel, sorted.at(-1)!, sorted[0]);
    const computed = new Set<string>();
    for (const [k, row] of result.snapshots.entries()) {
      if (!dates.has(row.date)) continue;
      rows.push({ portfolioId: l.portfolio.id, row, marks: result.marks[k]! });
      computed.add(row.date);
    }
    const before = [...dates].filter((d) => !computed.has(d)).length;
    if (before > 0) outcome.skipped.BEFORE_FIRST_ENTRY = (outcome.skipped.BEFORE_FIRST_ENTRY ?? 0) + before;
    outcome.problems.push(...unpricedProblems(l.portfolio.id, result));
  }
  // Snapshots and their marks in ONE transaction: a snapshot and its position values are never half-written.
  const written = await deps.store.replaceSnapshots(rows);
  outcome.outputs = written.snapshots;
  outcome.positionValues = written.positionValues;
  return outcome;
}

/**
 * Phase 2.5: position values of each portfolio on `date` (last price, market value, unrealized P&L,
 * weight), replacing that date's rows of every listed portfolio in one transaction.
 *
 * @throws UnknownPortfolioError for ids that do not exist.
 */
export async function computePositionValues(
  deps: SnapshotDeps,
  portfolioIds: readonly string[],
  date: string,
  signal?: AbortSignal,
): Promise<SnapshotOutcome> {
  const outcome: SnapshotOutcome = { inputs: portfolioIds.length, outputs: 0, skipped: {}, problems: [] };
  if (portfolioIds.length === 0) return outcome;
  const loaded = await load(deps.store, portfolioIds);
  const panel = await readPanel(deps.prices, loaded, date, signal);
  const values = loaded.map((l) => {
    const result = run(l, panel, date, date);
    const k = result.snapshots.findIndex((s) => s.date === date);
    if (k < 0) outcome.skipped.BEFORE_FIRST_ENTRY = (outcome.skipped.BEFORE_FIRST_ENTRY ?? 0) + 1;
    return { portfolioId: l.portfolio.id, marks: k >= 0 ? result.marks[k]! : [] };
  });
  // One transaction for the call's portfolios: a per-portfolio transaction cost ~20 ms each (W3).
  outcome.outputs = await deps.store.replacePositionValues(date, values);
  return outcome;
}
