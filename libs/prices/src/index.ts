/**
 * @sigma/prices: the one way services read closes — market-data's GetPriceSeries as columnar series
 * aligned on trading dates (NaN = no close). No service reads market-data's tables (SPEC §2).
 */
export { type AlignedCloses, marketDataPriceSource, PRICE_BATCH_SYMBOLS, type PriceSource, PriceSeriesError } from "./price-source.js";
