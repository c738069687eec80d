/**
 * The stress model's input: the UNCLIPPED EWMA covariance of the 8 factor ETFs' simple returns over the
 * 252 returns ending at the as-of date (253 closes), read through @sigma/prices (market-data over RPC).
 */
import { addTradingDays, isTradingDay } from "@sigma/calendar";
import type { PriceSource } from "@sigma/prices";
import { EWMA_WINDOW, ewmaCovariance, FACTOR_ETFS, simpleReturns } from "@sigma/quant";

/** Where the stress use cases get the factor covariance. */
export interface FactorCovarianceSource {
  /**
   * Unclipped 8 × 8 covariance (row-major, FACTOR_ETFS order, daily decimal²) at `date`, or null when
   * the 252 returns ending at it are not all available (the correlated model is then unavailable).
   */
  at(date: string, signal?: AbortSignal): Promise<Float64Array | null>;
}

/** {@link FactorCovarianceSource} over a price source: one bulk read of 8 × 253 closes per call. */
export function ewmaCovarianceSource(prices: PriceSource): FactorCovarianceSource {
  return {
    async at(date, signal) {
      if (!isTradingDay(date)) return null;
      const start = addTradingDays(date, -EWMA_WINDOW);
      const aligned = await prices.closes([...FACTOR_ETFS], start, date, signal);
      const t = aligned.dates.indexOf(date);
      if (t < 0) return null;
      const series = FACTOR_ETFS.map((etf) =>
        simpleReturns(aligned.closes.get(etf) ?? new Float64Array(aligned.dates.length).fill(Number.NaN)),
      );
      return ewmaCovariance(series, t)?.cov ?? null;
    },
  };
}
