import {
  bulkUpsert,
  bulkWrite,
  float8ArrayFromSend,
  int4ArrayFromSend,
  queryRows,
  retryTransientFailures,
  type Queryable,
} from "@sigma/db";
import type { DailyBar } from "../domain/index.js";

/** A symbol of the universe with its stored coverage. */
export interface StoredSymbol {
  symbol: string;
  factorEtf: boolean;
  unavailable: boolean;
  unavailableReason: string;
  firstDate: string;
  lastDate: string;
  priceRows: number;
}

/** A covered (already fetched) inclusive date range of one symbol. */
export interface CoveredRange {
  start: string;
  end: string;
}

/** Closes of one symbol within a range, in date order; dates as calendar-day offsets from the range start. */
export interface StoredCloses {
  dayOffsets: number[];
  closes: number[];
}

/**
 * The market-data service's tables. All reads and writes are set-based: one statement per
 * request, never per row.
 */
export class PriceStore {
  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
  ) {
    // A Postgres restart or dropped connection is retried, then answered UNAVAILABLE (see @sigma/db).
    retryTransientFailures<PriceStore>(
      this,
      ["addSymbols", "listSymbols", "coverage", "knownSymbols", "writeBars", "recordSync", "storedSpan", "readCloses"],
      "market data store",
    );
  }

  private t(name: string): string {
    return `${this.schema}.${name}`;
  }

  /** Adds symbols to the universe (existing ones untouched, factor ETF flag only ever set). Returns how many were new. */
  async addSymbols(symbols: readonly string[], factorEtf: boolean): Promise<number> {
    if (symbols.length === 0) return 0;
    const rows = await queryRows<{ n: number }>(
      this.db,
      `WITH ins AS (
         INSERT INTO ${this.t("symbols")} (symbol, factor_etf) SELECT s, $2 FROM unnest($1::text[]) AS s
         ON CONFLICT (symbol) DO UPDATE SET factor_etf = ${this.t("symbols")}.factor_etf OR EXCLUDED.factor_etf
         RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted)::int AS n FROM ins`,
      [symbols, factorEtf],
    );
    return rows[0]?.n ?? 0;
  }

  /** Lists the universe with stored price coverage. */
  async listSymbols(includeFactorEtfs: boolean): Promise<StoredSymbol[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT s.symbol, s.factor_etf, s.unavailable, s.unavailable_reason,
              p.first_date::text AS first_date, p.last_date::text AS last_date, coalesce(p.n, 0)::int AS n
         FROM ${this.t("symbols")} s
         LEFT JOIN (SELECT symbol, min(date) AS first_date, max(date) AS last_date, count(*) AS n
                      FROM ${this.t("daily_prices")} GROUP BY symbol) p ON p.symbol = s.symbol
        WHERE $1 OR NOT s.factor_etf
        ORDER BY s.symbol`,
      [includeFactorEtfs],
    );
    return rows.map((r) => ({
      symbol: String(r.symbol),
      factorEtf: Boolean(r.factor_etf),
      unavailable: Boolean(r.unavailable),
      unavailableReason: String(r.unavailable_reason ?? ""),
      firstDate: (r.first_date as string | null) ?? "",
      lastDate: (r.last_date as string | null) ?? "",
      priceRows: Number(r.n),
    }));
  }

  /** Covered ranges per symbol that intersect [start, end]. */
  async coverage(symbols: readonly string[], start: string, end: string): Promise<Map<string, CoveredRange[]>> {
    const rows = await queryRows<{ symbol: string; s: string; e: string }>(
      this.db,
      `SELECT symbol, start_date::text AS s, end_date::text AS e FROM ${this.t("coverage")}
        WHERE symbol = ANY($1::text[]) AND end_date >= $2::date AND start_date <= $3::date
        ORDER BY symbol, start_date`,
      [symbols, start, end],
    );
    const out = new Map<string, CoveredRange[]>();
    for (const r of rows) {
      const list = out.get(r.symbol) ?? [];
      list.push({ start: r.s, end: r.e });
      out.set(r.symbol, list);
    }
    return out;
  }

  /** The symbols among `symbols` the provider has answered for before (any coverage at all). */
  async knownSymbols(symbols: readonly string[]): Promise<Set<string>> {
    const rows = await queryRows<{ symbol: string }>(
      this.db,
      `SELECT DISTINCT symbol FROM ${this.t("coverage")} WHERE symbol = ANY($1::text[])`,
      [symbols],
    );
    return new Set(rows.map((r) => r.symbol));
  }

  /**
   * Upserts bars of many symbols (a refetch replaces), atomically: one binary COPY into a staging table
   * and one merge on real Postgres, one unnest statement per 50k rows on PGlite.
   */
  async writeBars(bars: ReadonlyArray<{ symbol: string; bar: DailyBar }>): Promise<number> {
    if (bars.length === 0) return 0;
    const n = bars.length;
    const cols = {
      symbol: new Array<string>(n),
      date: new Array<string>(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
    };
    bars.forEach(({ symbol, bar }, i) => {
      cols.symbol[i] = symbol;
      cols.date[i] = bar.date;
      cols.open[i] = bar.open;
      cols.high[i] = bar.high;
      cols.low[i] = bar.low;
      cols.close[i] = bar.close;
      cols.volume[i] = bar.volume;
    });
    return bulkWrite(
      this.db,
      {
        table: this.t("daily_prices"),
        columns: [
          { name: "symbol", pgType: "text" },
          { name: "date", pgType: "date" },
          { name: "open", pgType: "float8" },
          { name: "high", pgType: "float8" },
          { name: "low", pgType: "float8" },
          { name: "close", pgType: "float8" },
          { name: "volume", pgType: "float8" },
        ],
        conflict: ["symbol", "date"],
      },
      cols,
    );
  }

  /** Records fetched ranges and clears/sets each symbol's availability in one round trip each. */
  async recordSync(
    covered: ReadonlyArray<{ symbol: string; start: string; end: string }>,
    availability: ReadonlyArray<{ symbol: string; unavailable: boolean; reason: string }>,
    at: Date,
  ): Promise<void> {
    if (covered.length) {
      await bulkUpsert(
        this.db,
        {
          table: this.t("coverage"),
          columns: [
            { name: "symbol", pgType: "text" },
            { name: "start_date", pgType: "date" },
            { name: "end_date", pgType: "date" },
            { name: "fetched_at", pgType: "timestamptz" },
          ],
          conflict: ["symbol", "start_date", "end_date"],
        },
        covered.map((c) => ({ symbol: c.symbol, start_date: c.start, end_date: c.end, fetched_at: at })),
      );
    }
    if (availability.length) {
      await queryRows(
        this.db,
        `UPDATE ${this.t("symbols")} s SET unavailable = a.u, unavailable_reason = a.r, last_synced_at = $4
           FROM unnest($1::text[], $2::bool[], $3::text[]) AS a(sym, u, r) WHERE s.symbol = a.sym`,
        [availability.map((a) => a.symbol), availability.map((a) => a.unavailable), availability.map((a) => a.reason), at],
      );
    }
  }

  /** First/last stored date and row count per symbol within [start, end]. */
  async storedSpan(
    symbols: readonly string[],
    start: string,
    end: string,
  ): Promise<Map<string, { first: string; last: string; rows: number }>> {
    const rows = await queryRows<{ symbol: string; f: string; l: string; n: number }>(
      this.db,
      `SELECT symbol, min(date)::text AS f, max(date)::text AS l, count(*)::int AS n FROM ${this.t("daily_prices")}
        WHERE symbol = ANY($1::text[]) AND date BETWEEN $2::date AND $3::date GROUP BY symbol`,
      [symbols, start, end],
    );
    return new Map(rows.map((r) => [r.symbol, { first: r.f, last: r.l, rows: Number(r.n) }]));
  }

  /**
   * Closes of symbols within [start, end] in one bulk read, aggregated per symbol on the server
   * (one row per symbol instead of one per price: ~40% faster for 1,200 symbols × 315 dates).
   * Dates come back as day offsets from `start` (calendar days), in date order.
   */
  async readCloses(symbols: readonly string[], start: string, end: string): Promise<Map<string, StoredCloses>> {
    // Binary arrays (array_send): no decimal print/parse per close (the read of every price phase).
    const rows = await queryRows<{ symbol: string; o: Buffer; c: Buffer }>(
      this.db,
      `SELECT symbol, array_send(array_agg(date - $2::date ORDER BY date)) AS o, array_send(array_agg(close ORDER BY date)) AS c
         FROM ${this.t("daily_prices")}
        WHERE symbol = ANY($1::text[]) AND date BETWEEN $2::date AND $3::date GROUP BY symbol`,
      [symbols, start, end],
    );
    return new Map(
      rows.map((r) => [r.symbol, { dayOffsets: Array.from(int4ArrayFromSend(r.o)), closes: Array.from(float8ArrayFromSend(r.c)) }]),
    );
  }
}
