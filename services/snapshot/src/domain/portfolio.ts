/** The snapshot service's domain records (no storage or transport types). */
import type { EnginePosition, PositionMark, SnapshotRow } from "./snapshot-engine.js";

/** A stored portfolio with its watermark. */
export interface PortfolioRecord {
  id: string;
  name: string;
  owner: string;
  /** Starting equity given at import; undefined = SPEC's default (net entry value on the first date). */
  startingEquity?: number;
  /** Earliest entry date of its positions. */
  firstEntryDate: string;
  active: boolean;
  /** Latest stored snapshot date ("" when none): SPEC §4's per-portfolio watermark. */
  watermarkDate: string;
}

/** A stored position: what the engine needs plus what the import kept for display. */
export interface StoredPosition extends EnginePosition {
  /** 0-based order in the imported file. */
  ordinal: number;
  investmentSubtype: string;
}

/** One computed snapshot row of a portfolio with the marks of its active positions on that date. */
export interface PortfolioSnapshot {
  portfolioId: string;
  row: SnapshotRow;
  /** The engine's marks on `row.date` (file order); stored in `position_marks` (one packed row) with the row. */
  marks: readonly PositionMark[];
}

/** Rows written by {@link SnapshotRepository.replaceSnapshots}. */
export interface SnapshotWriteCounts {
  snapshots: number;
  positionValues: number;
}

/** One portfolio's snapshot NAV and stored position marks on one date (what the risk phases read). */
export interface DatedMarks {
  portfolioId: string;
  date: string;
  nav: number;
  /** File order of the positions. */
  marks: PositionMark[];
}

/** Storage port of the use cases (Postgres below; fakes in tests). */
export interface SnapshotRepository {
  /** Stores a portfolio and its positions in one transaction. */
  insertPortfolio(p: Omit<PortfolioRecord, "watermarkDate">, positions: readonly StoredPosition[]): Promise<void>;
  /** Portfolios by id, or all (filtered by owner / active), each with its watermark, oldest first. */
  listPortfolios(filter: { ids?: readonly string[]; owner?: string; includeInactive?: boolean }): Promise<PortfolioRecord[]>;
  /** Positions of each portfolio in file order. */
  positionsOf(portfolioIds: readonly string[]): Promise<Map<string, StoredPosition[]>>;
  /**
   * Replaces the (portfolio, date) snapshot rows of `rows` and, in the same transaction, every
   * position value of those cells by the rows' marks (a position absent from the marks disappears).
   */
  replaceSnapshots(rows: readonly PortfolioSnapshot[]): Promise<SnapshotWriteCounts>;
  /** Stored snapshots of a portfolio over [startDate, endDate] in date order. */
  readSnapshots(portfolioId: string, startDate: string, endDate: string): Promise<SnapshotRow[]>;
  /**
   * Replaces the position values on `date` of every listed portfolio, in one transaction (one
   * statement per table, however many portfolios): a portfolio listed with no marks keeps no row on
   * that date. Returns rows written.
   */
  replacePositionValues(date: string, portfolios: readonly { portfolioId: string; marks: readonly PositionMark[] }[]): Promise<number>;
  /** Stored position values of a portfolio on `date` (file order). */
  readPositionValues(portfolioId: string, date: string): Promise<PositionMark[]>;
  /**
   * The stored daily returns of `portfolioIds` over [startDate, endDate], one packed series per
   * portfolio that has a snapshot there (dates ascending), in one statement.
   */
  readReturnSeries(
    portfolioIds: readonly string[],
    startDate: string,
    endDate: string,
  ): Promise<Map<string, { dates: string[]; dailyReturns: number[] }>>;
  /**
   * Every stored snapshot of `portfolioIds` in [startDate, endDate] with its position values, ordered
   * by portfolio id, date, then position file order; `complete` is false (and `days` partial) when the
   * answer would exceed `maxRows` joined rows (a snapshot without values counts as one).
   */
  readPositionValueRange(
    portfolioIds: readonly string[],
    startDate: string,
    endDate: string,
    maxRows: number,
  ): Promise<{ days: DatedMarks[]; complete: boolean }>;
  /** Latest date with stored position values on or before `date` ("" when none). */
  latestPositionValueDate(portfolioId: string, onOrBefore: string): Promise<string>;
  /** Deletes a portfolio and every row of it in one transaction; undefined when it does not exist. */
  deletePortfolio(portfolioId: string): Promise<{ positions: number; snapshots: number; positionValues: number } | undefined>;
}
