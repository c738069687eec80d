/**
 * The JSON the web app's API answers (proto JSON: lowerCamelCase names, enums as names, int64 as
 * strings, unset optional fields absent). Only the fields the pages read.
 */

export interface PortfolioSummaryJson {
  id: string;
  name: string;
  owner: string;
  active: boolean;
  firstEntryDate: string;
  watermarkDate: string;
  lagTradingDays: number | null;
}

export interface RecentRunJson {
  runId: string;
  portfolioIds: string[];
  status: string;
  source: string;
  startedAt: string | null;
  finishedAt: string | null;
  errorSummary: string;
  warnings: number;
}

export interface HomeJson {
  targetDate: string;
  portfolios: PortfolioSummaryJson[];
  runs: RecentRunJson[];
}

export interface MeJson {
  sub: string;
  admin: boolean;
  authMode: "jwt" | "dev";
}

export interface ImportErrorJson {
  row: number;
  column: string;
  code: string;
  message: string;
}

export interface OnboardJson {
  portfolioId: string;
  runId: string;
  errors: ImportErrorJson[];
}

export interface AggregatedWarningJson {
  symbol: string;
  reason: string;
  occurrences: number;
  firstDate: string;
  lastDate: string;
}

export interface SnapshotJson {
  date: string;
  nav: number;
  cumulativePnl: number;
  dailyReturn: number;
  numPositions: number;
}

export interface PositionValueJson {
  positionId: string;
  symbol: string;
  lastPrice: number;
  marketValue: number;
  unrealizedPnl: number;
  weight: number;
  quantity: number;
  priceStatus: string;
  investmentClass: string;
}

export interface FactorExposureJson {
  factor: string;
  beta: number;
  dollarExposure: number;
  positionsCovered: number;
  positionsEligible: number;
  coverageByCount: number;
  coverageByValue: number;
  noCoverage: boolean;
}

export interface VolatilityStatsJson {
  realizedVol21d?: number;
  realizedVol63d?: number;
  harH1?: number;
  harH21?: number;
  trend?: string;
  trendSlope?: number;
  trendR2?: number;
  percentile?: number;
}

export interface RiskReportJson {
  date: string;
  nav: number;
  exposures: FactorExposureJson[];
  dataQualityFailure: boolean;
  portfolioVolatility?: VolatilityStatsJson;
  positionVolatility: { symbol: string; stats?: VolatilityStatsJson }[];
  correlations?: {
    included: string[];
    excluded: { symbol: string; reason: string; nReturns: number }[];
    matrix: number[];
    psdRepaired: boolean;
    avgAbsCorr?: number;
    diversificationRatio?: number;
    clusters: { symbols: string[] }[];
  };
  factorCorrelations?: { etfs: string[]; correlation: number[]; covariance: number[] };
  availableDates: string[];
}

export interface StressResultJson {
  scenarioId: string;
  directImpact: number;
  correlatedImpact: number;
  directPctOfNav: number;
  correlatedPctOfNav: number;
  lossExceedsNav: boolean;
  correlatedLossExceedsNav: boolean;
  correlatedAvailable: boolean;
  activeByDefault: boolean;
}

export interface StressJson {
  date: string;
  nav: number;
  results: StressResultJson[];
}

export interface ScenariosJson {
  scenarios: { id: string; name: string; active: boolean }[];
}

/** A section that may be missing (see app-api.ts `Section`). */
export type SectionJson<T> =
  | { state: "ok"; data: T }
  | { state: "not_computed"; message: string }
  | { state: "error"; code: string; message: string };

export interface PortfolioPageJson {
  portfolio: {
    portfolio: { id: string; name: string; owner: string; firstEntryDate: string; watermarkDate: string; startingEquity?: number };
  };
  snapshots: { snapshots: SnapshotJson[] };
  positions: { date: string; values: PositionValueJson[] };
  risk: SectionJson<RiskReportJson>;
  stress: SectionJson<StressJson>;
  scenarios: SectionJson<ScenariosJson>;
}

export interface PhaseRunJson {
  phase: string;
  phaseState: string;
  durationSeconds: number;
  counters?: { inputs: string; outputs: string; skipped: { reason: string; count: string }[] };
  summary: string;
}

export interface RunJson {
  id: string;
  source: string;
  scope: string;
  portfolioId: string;
  forceRerun: boolean;
  startedAt?: string;
  finishedAt?: string;
  targetDate: string;
  startDate: string;
  endDate: string;
  datesTotal: number;
  datesCompleted: number;
  datesFailed: number;
  phases: PhaseRunJson[];
  problems: { symbol: string; reason: string; message: string; date: string }[];
  errorSummary: string;
  runStatus: string;
  warnings: string[];
}

export interface OperatorJson {
  targetDate: string;
  runs: { runs: RunJson[] };
  portfolios: PortfolioSummaryJson[];
}

export interface RunBatchJson {
  runId: string;
  alreadyUpToDate: boolean;
  targetDate: string;
  startDate: string;
  endDate: string;
  datesTotal: number;
  cells: { portfolioId: string; date: string }[];
  dryRun: boolean;
  message: string;
}
