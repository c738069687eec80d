/**
 * @sigma/prices: the one way services read closes — market-data's GetPriceSeries as columnar series
 * aligned on trading dates (NaN = no close). No service reads market-data's tables (SPEC §2).
 */
export { type AlignedCloses, marketDataPriceSource, PRICE_BATCH_SYMBOLS, type PriceSource, PriceSeriesError } from "./price-source.js";
export { appendPanel, slicePanel } from "./aligned-panel.js";
export {
  DEFAULT_CACHE_IDLE_MS,
  DEFAULT_CACHE_PANELS_PER_RUN,
  DEFAULT_CACHE_RUNS,
  RunPriceCache,
  type RunPriceCacheOptions,
  type RunPriceCacheStats,
} from "./run-price-cache.js";
