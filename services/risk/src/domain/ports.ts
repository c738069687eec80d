/**
 * What the risk use cases read and write through (ports). Adapters over the peer services' Protobuf
 * APIs live in src/adapters; the Postgres implementation in src/store. Everything here is plain data.
 */

/** A position's class as far as risk eligibility goes (SPEC §3.1 "Exposures"). */
export type RiskPositionClass = "public" | "option" | "private";

/** One active position's mark on one date (from the snapshot service's stored position values). */
export interface DatedMark {
  positionId: string;
  symbol: string;
  /** Signed market value (currency; shorts negative). */
  marketValue: number;
  positionClass: RiskPositionClass;
}

/** One portfolio's snapshot NAV and active positions' marks on one date. */
export interface PortfolioDay {
  portfolioId: string;
  date: string;
  nav: number;
  positions: DatedMark[];
}

/** Where weights and market values come from (the snapshot service's GetPositionValueRange). */
export interface PositionMarksSource {
  /**
   * Every (portfolio, date) with a snapshot in [startDate, endDate], with its active positions' marks.
   * A date without a snapshot is absent (not an error).
   *
   * @throws the transport's error when the marks cannot be read.
   */
  days(portfolioIds: readonly string[], startDate: string, endDate: string, signal?: AbortSignal): Promise<PortfolioDay[]>;
}

/** Stored symbol betas, a dense symbols × dates × 12 panel. */
export interface BetaPanel {
  /** Trading dates of the range, ascending. */
  dates: string[];
  /** Normalized symbols (upper case, "." → "-"), as answered. */
  symbols: string[];
  /**
   * Clipped betas, index ((s · dates.length) + d) · 12 + f with f in RISK_FACTOR_IDS order;
   * NaN where no beta is stored.
   */
  betas: Float64Array;
}

/** Where symbol betas come from (the factor service's GetFactorPanel). */
export interface SymbolBetaSource {
  /**
   * Betas of `symbols` (all 12 factors) over [startDate, endDate]. An empty symbol list answers an
   * empty panel without a call.
   *
   * @throws the transport's error when the panel cannot be read.
   */
  panel(symbols: readonly string[], startDate: string, endDate: string, signal?: AbortSignal): Promise<BetaPanel>;
}

/** Who owns which portfolio (the snapshot service's ListPortfolios, read with the service token). */
export interface PortfolioDirectory {
  /** owner of each known id; unknown ids are absent. */
  owners(portfolioIds: readonly string[], signal?: AbortSignal): Promise<Map<string, string>>;
}

/** Phase 3 output: one packed row per (portfolio, date). */
export interface PositionBetaRow {
  portfolioId: string;
  date: string;
  nav: number;
  positionIds: string[];
  symbols: string[];
  /** Signed market values (currency), one per position. */
  marketValues: Float64Array;
  /** 1 = eligible (active PUBLIC non-option, stale and unpriced included). */
  eligible: Uint8Array;
  /** Row-major n × 12 in RISK_FACTOR_IDS order; NaN = no beta (always NaN for ineligible positions). */
  betas: Float64Array;
}

/** Phase 4 output: one row per (portfolio, date), per-factor arrays of 12 in RISK_FACTOR_IDS order. */
export interface ExposureRow {
  portfolioId: string;
  date: string;
  nav: number;
  beta: Float64Array;
  /** β × nav (currency). */
  dollar: Float64Array;
  covered: Int32Array;
  eligible: number;
  /** NaN when there is no eligible position. */
  coverageCount: Float64Array;
  /** NaN when the eligible |MV| sum is 0. */
  coverageValue: Float64Array;
  noCoverage: Uint8Array;
  dataQualityFailure: boolean;
}

/** One scenario's evaluated impact on a portfolio (what RunStressTest answers and ComputeStress stores). */
export interface ScenarioOutcome {
  scenarioId: string;
  activeByDefault: boolean;
  /** 12 shocks in RISK_FACTOR_IDS order (decimal returns; ir a yield change); NaN = not shocked. */
  shocks: Float64Array;
  /** 12 direct contributions (currency); spreads reported, never in the total. */
  direct: Float64Array;
  directTotal: number;
  directPct: number;
  directLossExceedsNav: boolean;
  /** False when no EWMA covariance exists for the date: the correlated fields are then 0. */
  correlatedAvailable: boolean;
  correlated: Float64Array;
  correlatedTotal: number;
  correlatedPct: number;
  correlatedLossExceedsNav: boolean;
  /** 12 implied factor moves of the correlated model (market: SPY, ir: TLT, styles: their ETF, spreads: leg difference). */
  impliedMoves: Float64Array;
  /** 8 ETF moves in FACTOR_ETFS order (zeros when the correlated model is unavailable). */
  etfMoves: Float64Array;
}

/** The stored stress results of a portfolio on a date. */
export interface StoredStress {
  date: string;
  nav: number;
  outcomes: ScenarioOutcome[];
}

/** The risk service's own tables (schema risk). */
export interface RiskRepository {
  /** Replaces the (portfolio, date) rows, all in one transaction; returns rows written. */
  replacePositionBetas(rows: readonly PositionBetaRow[]): Promise<number>;
  /** The stored rows of the given cells (absent cells are missing from the answer), in one query. */
  readPositionBetas(cells: readonly { portfolioId: string; date: string }[]): Promise<PositionBetaRow[]>;
  /** Replaces the (portfolio, date) rows, all in one transaction; returns rows written. */
  replaceExposures(rows: readonly ExposureRow[]): Promise<number>;
  /** The stored exposures of the given cells (absent cells are missing from the answer), in one query. */
  readExposures(cells: readonly { portfolioId: string; date: string }[]): Promise<ExposureRow[]>;
  /** Every date with stored exposures for the portfolio, ascending. */
  exposureDates(portfolioId: string): Promise<string[]>;
  /** Replaces every stored scenario of each (portfolio, date) given, in one transaction; returns rows written. */
  replaceStress(
    items: readonly { portfolioId: string; date: string; nav: number; outcomes: readonly ScenarioOutcome[] }[],
  ): Promise<number>;
  /** Stored results on `date` ("" = the latest date with stored results), or undefined. */
  readStress(portfolioId: string, date: string): Promise<StoredStress | undefined>;
}
