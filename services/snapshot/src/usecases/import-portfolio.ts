/**
 * ImportPortfolio (SPEC §6): validate the whole CSV, then store the portfolio and its positions in
 * one transaction — or store nothing and return every problem.
 */
import { randomUUID } from "node:crypto";
import { InvestmentClass, OptionType } from "@sigma/contracts";
import type { ImportProblem } from "../domain/import/import-problem.js";
import { type ParsedPosition, parsePortfolioCsv } from "../domain/import/parse-portfolio-csv.js";
import type { PortfolioRecord, SnapshotRepository, StoredPosition } from "../domain/portfolio.js";

/** What to import. */
export interface ImportPortfolioInput {
  csv: Uint8Array;
  name: string;
  owner: string;
  /** undefined = SPEC's default (net entry value of the positions active on the first date). */
  startingEquity?: number;
  /** The pinned clock's today: later entry/exit dates are FUTURE_DATE. */
  today: string;
}

/** The outcome: the stored portfolio, or every problem (and nothing stored). */
export type ImportPortfolioOutcome =
  | { ok: true; portfolio: PortfolioRecord; positions: StoredPosition[] }
  | { ok: false; errors: readonly ImportProblem[] };

/** Maps a parsed CSV position to the stored (engine) form; prices and symbols in provider form. */
export function toStoredPosition(p: ParsedPosition, ordinal: number): StoredPosition {
  const positionClass =
    p.investmentClass === InvestmentClass.OPTIONS ? "options" : p.investmentClass === InvestmentClass.PRIVATE ? "private" : "public";
  const pos: StoredPosition = {
    id: randomUUID(),
    ordinal,
    symbol: p.providerSymbol,
    quantity: p.quantity,
    entryPrice: p.entryPrice,
    entryDate: p.entryDate,
    positionClass,
    investmentSubtype: p.investmentSubtype,
  };
  if (positionClass === "options") {
    pos.underlying = p.underlyingProviderSymbol;
    pos.strike = p.strikePrice;
    pos.expirationDate = p.expirationDate;
    pos.optionType = p.optionType === OptionType.PUT ? "put" : "call";
  }
  if (p.exitDate) pos.exitDate = p.exitDate;
  if (p.exitPrice !== undefined) pos.exitPrice = p.exitPrice;
  return pos;
}

/**
 * Validates and stores a portfolio CSV (all-or-nothing).
 *
 * @throws the store's error when the write fails (nothing is stored then either).
 */
export async function importPortfolio(store: SnapshotRepository, input: ImportPortfolioInput): Promise<ImportPortfolioOutcome> {
  const parsed = parsePortfolioCsv(input.csv, { today: input.today });
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const positions = parsed.positions.map(toStoredPosition);
  const portfolio: PortfolioRecord = {
    id: randomUUID(),
    name: input.name,
    owner: input.owner,
    startingEquity: input.startingEquity,
    firstEntryDate: parsed.firstEntryDate,
    active: true,
    watermarkDate: "",
  };
  await store.insertPortfolio(portfolio, positions);
  return { ok: true, portfolio, positions };
}
