/**
 * Where services get closes: market-data's GetPriceSeries (columnar, NaN = no close).
 * No service reads market-data's tables (SPEC §2: every boundary is an RPC).
 */
import type { Client } from "@connectrpc/connect";
import type { MarketDataService } from "@sigma/contracts";

/** Closes of many symbols aligned on the trading dates of a range. */
export interface AlignedCloses {
  /** Trading dates of the range, ascending. */
  dates: string[];
  /** symbol → closes aligned to `dates` (NaN = no close); every requested symbol is present. */
  closes: Map<string, Float64Array>;
}

/** The port the use cases read prices through. */
export interface PriceSource {
  /**
   * Closes of `symbols` over [startDate, endDate].
   * @throws the transport's error (e.g. UNAVAILABLE) when prices cannot be read.
   */
  closes(symbols: readonly string[], startDate: string, endDate: string, signal?: AbortSignal): Promise<AlignedCloses>;
}

/** Thrown when market-data answers inconsistently (calendar differs between batches, a series is missing). */
export class PriceSeriesError extends Error {
  override readonly name = "PriceSeriesError";
}

/** Symbols per GetPriceSeries call: 500 × ~550 dates × 8 bytes ≈ 2.2 MB per message, well under gRPC limits. */
export const PRICE_BATCH_SYMBOLS = 500;

/**
 * A {@link PriceSource} over a market-data client; large symbol lists are fetched in a few sequential
 * batches of `batchSize` symbols (each batch is one RPC).
 *
 * @throws PriceSeriesError when batches disagree on the calendar or a requested series is missing.
 */
export function marketDataPriceSource(client: Client<typeof MarketDataService>, batchSize = PRICE_BATCH_SYMBOLS): PriceSource {
  return {
    async closes(symbols, startDate, endDate, signal) {
      let dates: string[] | undefined;
      const closes = new Map<string, Float64Array>();
      for (let i = 0; i < symbols.length; i += batchSize) {
        const batch = symbols.slice(i, i + batchSize);
        const res = await client.getPriceSeries({ symbols: batch, startDate, endDate }, { signal });
        if (dates === undefined) dates = res.dates;
        else if (res.dates.length !== dates.length || res.dates.some((d, k) => d !== dates![k])) {
          throw new PriceSeriesError(`market-data returned a different calendar for batch ${i / batchSize} of ${startDate}..${endDate}`);
        }
        for (const s of res.series) {
          if (s.closes.length !== res.dates.length) {
            throw new PriceSeriesError(`series ${s.symbol} has ${s.closes.length} closes for ${res.dates.length} dates`);
          }
          closes.set(s.symbol, Float64Array.from(s.closes));
        }
        for (const sym of batch) if (!closes.has(sym)) throw new PriceSeriesError(`market-data returned no series for ${sym}`);
      }
      return { dates: dates ?? [], closes };
    },
  };
}
