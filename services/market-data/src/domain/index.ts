/** Market-data domain: price providers, symbol normalization and incremental sync planning. */
export type { DailyBar, FetchResult, PriceProvider, ProviderKind, RejectedBar } from "./providers/types.js";
export { ProviderConfigError, ProviderError } from "./providers/types.js";
export { createProvider, DEFAULT_POLYGON_URL, type CreateProviderOptions } from "./providers/create-provider.js";
export {
  SyntheticPriceProvider,
  SYNTHETIC_EPOCH,
  SYNTHETIC_FACTORS,
  SYNTHETIC_FACTOR_ETFS,
  SYNTHETIC_LAST_YEAR,
  syntheticUnavailableReason,
} from "./providers/synthetic.js";
export {
  CsvFormatError,
  CsvPriceProvider,
  PRICE_FILE_COLUMNS,
  checkPriceFile,
  parsePriceCsv,
  type PriceIndex,
  type SymbolColumns,
} from "./providers/csv.js";
export { indexHeader, readCsvTable, type CsvTable, type CsvTableOptions, type CsvTableRow } from "./csv-table.js";
export { barProblem, priceFieldProblem, screenBars, type ScreenedBars } from "./bar-quality.js";
export { HttpPriceProvider, type HttpProviderOptions } from "./providers/http.js";
export { TokenBucket, type TokenBucketOptions } from "./providers/rate-limiter.js";
export { backoffDelay, parseRetryAfter, type BackoffOptions } from "./providers/backoff.js";
export { monotonicClock, realSleep, type Clock, type Sleep } from "./providers/timing.js";
export { InvalidSymbolError, normalizeSymbol, SYMBOL_PATTERN } from "./symbols.js";
export { addCoverage, coverageAfterFetch, coverageBefore, mergeCoverage, planMissingRanges, type DateRange } from "./sync-plan.js";
