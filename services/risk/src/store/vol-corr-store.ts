/**
 * Storage of phases 5 and 6 in the risk service's schema: symbol and portfolio volatility, position
 * correlations and the factor ETFs' EWMA. Writes replace whole cells in ONE transaction (a rerun never
 * duplicates, a reader never sees half a chunk) with bulk statements (binary COPY on Postgres, unnest on
 * PGlite), never one per row.
 *
 * Layout:
 * - `symbol_volatility (symbol, date)` and `portfolio_volatility (portfolio_id, date)`: one column per
 *   analytic, NULL = not computable; `trend` is the VolTrend code (NULL when not computable);
 *   `portfolio_volatility.symbols` lists the PUBLIC symbols the portfolio held that day (position
 *   order), so the report lists their volatility without another service call.
 * - `position_correlations (portfolio_id, date)`: `included text[]`, `matrix float8[]` (row-major
 *   m × m), `cluster_of int4[]` (per included symbol its cluster's index, −1 = none; clusters are
 *   ordered by smallest member), the excluded symbols as three parallel arrays (`excluded`,
 *   `excluded_reason` = CorrelationExclusion code, `excluded_n_returns`), and the scalars (NULL = NaN).
 * - `factor_ewma (date)`: `cov` and `corr_clipped`, float8[64] row-major in FACTOR_ETFS order ('NaN'
 *   elements kept: a zero-variance ETF has NaN correlations).
 *
 * Array-valued columns travel as Postgres array literals in a text[] parameter and are cast in SQL
 * (unnest cannot produce arrays from a 2-D parameter); floats are written with JavaScript's shortest
 * round-trip form and Postgres 12+ prints them the same way, so values come back bit-exact.
 */
import {
  bulkWrite,
  type ColumnSpec,
  migrationSchema as schemaOf,
  queryRows,
  type Queryable,
  quoteIdent,
  retryTransientFailures,
  withTransaction,
} from "@sigma/db";
import type { CorrelationExclusion } from "@sigma/quant";
import type { DataSource, MigrationInterface, QueryRunner } from "typeorm";
import type { CorrelationRow, FactorEwmaRow, PortfolioDate, PortfolioVolRow, SymbolVolRow, VolRow } from "../domain/vol-corr-model.js";
import { floatArrayLiteral } from "./pg-arrays.js";

const VOL_COLUMNS_DDL = `
        rv21 float8,
        rv63 float8,
        har_h1 float8,
        har_h21 float8,
        trend int2,
        trend_slope float8,
        trend_r2 float8,
        percentile float8`;

/** Creates the phase 5 and 6 tables (see the module comment for the layout). */
export class RiskVolCorrInit1700000000410 implements MigrationInterface {
  name = "RiskVolCorrInit1700000000410";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // Primary keys serve the replace (delete by cell) and the report's point reads.
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.symbol_volatility (
        symbol text NOT NULL,
        date date NOT NULL,${VOL_COLUMNS_DDL},
        PRIMARY KEY (symbol, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.portfolio_volatility (
        portfolio_id uuid NOT NULL,
        date date NOT NULL,${VOL_COLUMNS_DDL},
        symbols text[] NOT NULL,
        PRIMARY KEY (portfolio_id, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.position_correlations (
        portfolio_id uuid NOT NULL,
        date date NOT NULL,
        included text[] NOT NULL,
        matrix float8[] NOT NULL,
        cluster_of int4[] NOT NULL,
        excluded text[] NOT NULL,
        excluded_reason int2[] NOT NULL,
        excluded_n_returns int4[] NOT NULL,
        psd_repaired boolean NOT NULL,
        min_eigenvalue float8,
        avg_abs_corr float8,
        diversification_ratio float8,
        PRIMARY KEY (portfolio_id, date),
        CHECK (cardinality(matrix) = cardinality(included) * cardinality(included)),
        CHECK (cardinality(cluster_of) = cardinality(included)),
        CHECK (cardinality(excluded_reason) = cardinality(excluded) AND cardinality(excluded_n_returns) = cardinality(excluded))
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.factor_ewma (
        date date PRIMARY KEY,
        cov float8[] NOT NULL CHECK (cardinality(cov) = 64),
        corr_clipped float8[] NOT NULL CHECK (cardinality(corr_clipped) = 64)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ["factor_ewma", "position_correlations", "portfolio_volatility", "symbol_volatility"]) {
      await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
    }
  }
}

/** Migrations of the phase 5/6 tables, in order (the risk service appends them to its own list). */
/** position_correlations rows (a 20 × 20 matrix is 3.2 KB) stay inline and uncompressed up to ~8 KB (see RiskPackedInline). */
export class RiskVolCorrInline1700000000440 implements MigrationInterface {
  name = "RiskVolCorrInline1700000000440";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.position_correlations SET (toast_tuple_target = 8160)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${schemaOf(q)}.position_correlations RESET (toast_tuple_target)`);
  }
}

export const volCorrMigrations = [RiskVolCorrInit1700000000410, RiskVolCorrInline1700000000440];

/** Stored CorrelationExclusion codes (the proto enum's numbers). */
export const EXCLUSION_CODE: Record<CorrelationExclusion, number> = {
  BELOW_MIN_WEIGHT: 1,
  BELOW_MIN_VALUE: 2,
  NO_RETURNS: 3,
  FEW_RETURNS: 4,
};
const EXCLUSION_OF_CODE = new Map(Object.entries(EXCLUSION_CODE).map(([k, v]) => [v, k as CorrelationExclusion]));

/** Array elements (matrix + symbols) per correlation INSERT: bounds one statement to ~20 MB of text. */
const CORR_BATCH_ELEMENTS = 1_000_000;

/** position_correlations as written (NaN scalars → NULL: "not computable"). */
const CORRELATION_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  { name: "included", pgType: "text[]" },
  { name: "matrix", pgType: "float8[]" },
  { name: "cluster_of", pgType: "int4[]" },
  { name: "excluded", pgType: "text[]" },
  { name: "excluded_reason", pgType: "int2[]" },
  { name: "excluded_n_returns", pgType: "int4[]" },
  { name: "psd_repaired", pgType: "bool" },
  { name: "min_eigenvalue", pgType: "float8" },
  { name: "avg_abs_corr", pgType: "float8" },
  { name: "diversification_ratio", pgType: "float8" },
];

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));

/** The VolRow of a selected row (NULL → NaN, NULL trend → 0). */
function volRowOf(r: Record<string, unknown>): VolRow {
  return {
    rv21: num(r.rv21),
    rv63: num(r.rv63),
    harH1: num(r.har_h1),
    harH21: num(r.har_h21),
    trend: r.trend === null || r.trend === undefined ? 0 : Number(r.trend),
    trendSlope: num(r.trend_slope),
    trendR2: num(r.trend_r2),
    percentile: num(r.percentile),
  };
}

const VOL_COLS = "rv21, rv63, har_h1, har_h21, trend, trend_slope, trend_r2, percentile";

/** The analytic columns of both volatility tables (NaN → NULL; trend 0 = not computable → NULL). */
const VOL_VALUE_COLUMNS: readonly ColumnSpec[] = [
  { name: "rv21", pgType: "float8" },
  { name: "rv63", pgType: "float8" },
  { name: "har_h1", pgType: "float8" },
  { name: "har_h21", pgType: "float8" },
  { name: "trend", pgType: "int2" },
  { name: "trend_slope", pgType: "float8" },
  { name: "trend_r2", pgType: "float8" },
  { name: "percentile", pgType: "float8" },
];
const PORTFOLIO_VOL_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  ...VOL_VALUE_COLUMNS,
  { name: "symbols", pgType: "text[]" },
];
const SYMBOL_VOL_COLUMNS: readonly ColumnSpec[] = [
  { name: "symbol", pgType: "text" },
  { name: "date", pgType: "date" },
  ...VOL_VALUE_COLUMNS,
];

/** The analytic columns of rows, columnar (bulkWrite's null rules turn NaN into NULL). */
function volColumns(stats: readonly VolRow[]): Record<string, Float64Array> {
  const col = (f: (r: VolRow) => number) => Float64Array.from(stats, f);
  return {
    rv21: col((r) => r.rv21),
    rv63: col((r) => r.rv63),
    har_h1: col((r) => r.harH1),
    har_h21: col((r) => r.harH21),
    trend: col((r) => (r.trend === 0 ? NaN : r.trend)),
    trend_slope: col((r) => r.trendSlope),
    trend_r2: col((r) => r.trendR2),
    percentile: col((r) => r.percentile),
  };
}

/** What {@link VolCorrStore.replaceVolatility} wrote. */
export interface VolatilityWrite {
  portfolioRows: number;
  symbolRows: number;
}

/** What {@link VolCorrStore.replaceCorrelations} wrote. */
export interface CorrelationWrite {
  correlationRows: number;
  ewmaRows: number;
}

/** Postgres store of phases 5 and 6; every statement is schema-qualified (no search_path). */
export class VolCorrStore {
  private readonly schema: string;
  private readonly schemaName: string;

  /**
   * @param ds the risk service's DataSource (or any Queryable in tests).
   * @param schema the risk schema (unquoted); default the DataSource's `schema` option, else "public".
   */
  constructor(
    private readonly ds: DataSource | Queryable,
    schema?: string,
  ) {
    const fromDs = (ds as { options?: { schema?: string } }).options?.schema;
    this.schemaName = schema ?? fromDs ?? "public";
    this.schema = quoteIdent(this.schemaName);
    // A Postgres restart or dropped connection is retried, then answered UNAVAILABLE (see @sigma/db).
    retryTransientFailures<VolCorrStore>(
      this,
      [
        "replaceVolatility",
        "replaceCorrelations",
        "readPortfolioVolatility",
        "readSymbolVolatility",
        "readCorrelations",
        "readFactorEwma",
        "deletePortfolio",
      ],
      "risk vol/corr store",
    );
  }

  private t(name: string): string {
    return `${this.schema}.${name}`;
  }

  /** `schema.table` unquoted, as the bulk helpers take it (they quote each part). */
  private qualified(name: string): string {
    return `${this.schemaName}.${name}`;
  }

  /** Deletes the rows of `cells` from a (portfolio_id, date) table in one statement; returns the count. */
  private async deleteCells(tx: Queryable, table: string, cells: readonly PortfolioDate[]): Promise<number> {
    if (cells.length === 0) return 0;
    const rows = await queryRows<{ n: number }>(
      tx,
      `WITH d AS (DELETE FROM ${this.t(table)} t USING unnest($1::uuid[], $2::date[]) AS c(p, d)
                  WHERE t.portfolio_id = c.p AND t.date = c.d RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [cells.map((c) => c.portfolioId), cells.map((c) => c.date)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Replaces phase 5's output of one call atomically: the portfolio rows of every requested cell
   * (cells without a new row are deleted, e.g. a date that lost its snapshot) and the given symbol-date
   * rows (upserted: they are shared by every portfolio holding the symbol).
   *
   * @param cells every requested (portfolio, date) cell.
   * @param portfolioRows rows to store (a subset of `cells`).
   * @param symbolRows distinct (symbol, date) rows to store.
   */
  async replaceVolatility(
    cells: readonly PortfolioDate[],
    portfolioRows: readonly PortfolioVolRow[],
    symbolRows: readonly SymbolVolRow[],
  ): Promise<VolatilityWrite> {
    // A stable (symbol, date) order makes concurrent calls lock shared rows in the same order (no deadlock).
    const symbols = [...symbolRows].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.date < b.date ? -1 : 1));
    return withTransaction(this.ds, async (tx) => {
      await this.deleteCells(tx, "portfolio_volatility", cells);
      // Binary COPY on Postgres (unnest on PGlite): the cells' rows are new once deleted; symbol rows
      // are upserted through a staging table (another run may have stored the same symbol-date).
      const portfolioWritten = await bulkWrite(
        tx,
        { table: this.qualified("portfolio_volatility"), columns: PORTFOLIO_VOL_COLUMNS, conflict: ["portfolio_id", "date"] },
        {
          portfolio_id: portfolioRows.map((r) => r.portfolioId),
          date: portfolioRows.map((r) => r.date),
          ...volColumns(portfolioRows.map((r) => r.stats)),
          symbols: portfolioRows.map((r) => r.symbols),
        },
        { mode: "insert", atomic: false },
      );
      const symbolWritten = await bulkWrite(
        tx,
        { table: this.qualified("symbol_volatility"), columns: SYMBOL_VOL_COLUMNS, conflict: ["symbol", "date"] },
        { symbol: symbols.map((r) => r.symbol), date: symbols.map((r) => r.date), ...volColumns(symbols.map((r) => r.stats)) },
        { atomic: false },
      );
      return { portfolioRows: portfolioWritten, symbolRows: symbolWritten };
    });
  }

  /**
   * Replaces phase 6's output of one call atomically: the correlation rows of every requested cell
   * (cells without a new row are deleted) and the factor EWMA of every date in `ewmaDates` (dates
   * without a new row are deleted: too little history now means no stale matrix).
   */
  async replaceCorrelations(
    cells: readonly PortfolioDate[],
    rows: readonly CorrelationRow[],
    ewmaDates: readonly string[],
    ewma: readonly FactorEwmaRow[],
  ): Promise<CorrelationWrite> {
    return withTransaction(this.ds, async (tx) => {
      await this.deleteCells(tx, "position_correlations", cells);
      // Binary COPY on Postgres (the matrices travel as 8-byte floats), unnest on PGlite in batches
      // bounded by array elements (a 500-symbol matrix is 250k values).
      let widest = 1;
      for (const r of rows) widest = Math.max(widest, r.matrix.length + r.included.length + r.excluded.length);
      const correlationRows = await bulkWrite(
        tx,
        { table: this.qualified("position_correlations"), columns: CORRELATION_COLUMNS, conflict: ["portfolio_id", "date"] },
        {
          portfolio_id: rows.map((r) => r.portfolioId),
          date: rows.map((r) => r.date),
          included: rows.map((r) => r.included),
          matrix: rows.map((r) => r.matrix),
          cluster_of: rows.map((r) => r.clusterOf),
          excluded: rows.map((r) => r.excluded.map((x) => x.symbol)),
          excluded_reason: rows.map((r) => r.excluded.map((x) => EXCLUSION_CODE[x.reason])),
          excluded_n_returns: rows.map((r) => r.excluded.map((x) => x.nReturns)),
          psd_repaired: rows.map((r) => r.psdRepaired),
          min_eigenvalue: rows.map((r) => r.minEigenvalue),
          avg_abs_corr: rows.map((r) => r.avgAbsCorr),
          diversification_ratio: rows.map((r) => r.diversificationRatio),
        },
        { mode: "insert", atomic: false, batchSize: Math.max(1, Math.floor(CORR_BATCH_ELEMENTS / widest)) },
      );
      if (ewmaDates.length > 0) {
        await queryRows(
          tx,
          `WITH d AS (DELETE FROM ${this.t("factor_ewma")} WHERE date = ANY($1::date[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
          [[...ewmaDates]],
        );
      }
      let ewmaRows = 0;
      if (ewma.length > 0) {
        const out = await queryRows<{ n: number }>(
          tx,
          `WITH w AS (INSERT INTO ${this.t("factor_ewma")} (date, cov, corr_clipped)
             SELECT d, c::float8[], k::float8[] FROM unnest($1::date[], $2::text[], $3::text[]) AS u(d, c, k)
             ON CONFLICT (date) DO UPDATE SET cov = EXCLUDED.cov, corr_clipped = EXCLUDED.corr_clipped
             RETURNING 1)
           SELECT count(*)::int AS n FROM w`,
          [ewma.map((r) => r.date), ewma.map((r) => floatArrayLiteral(r.cov)), ewma.map((r) => floatArrayLiteral(r.corrClipped))],
        );
        ewmaRows = Number(out[0]?.n ?? 0);
      }
      return { correlationRows, ewmaRows };
    });
  }

  /** The portfolio's volatility row on a date, or undefined when none is stored. */
  async readPortfolioVolatility(portfolioId: string, date: string): Promise<PortfolioVolRow | undefined> {
    const rows = await queryRows<Record<string, unknown>>(
      this.ds,
      `SELECT ${VOL_COLS}, symbols FROM ${this.t("portfolio_volatility")} WHERE portfolio_id = $1::uuid AND date = $2::date`,
      [portfolioId, date],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { portfolioId, date, stats: volRowOf(r), symbols: (r.symbols as string[]) ?? [] };
  }

  /** Stored volatility of `symbols` on a date (symbols without a row are absent from the map). */
  async readSymbolVolatility(symbols: readonly string[], date: string): Promise<Map<string, VolRow>> {
    if (symbols.length === 0) return new Map();
    const rows = await queryRows<Record<string, unknown>>(
      this.ds,
      `SELECT symbol, ${VOL_COLS} FROM ${this.t("symbol_volatility")} WHERE symbol = ANY($1::text[]) AND date = $2::date`,
      [[...symbols], date],
    );
    return new Map(rows.map((r) => [String(r.symbol), volRowOf(r)]));
  }

  /** The portfolio's correlation row on a date (NULL scalars → NaN), or undefined. */
  async readCorrelations(portfolioId: string, date: string): Promise<CorrelationRow | undefined> {
    const rows = await queryRows<Record<string, unknown>>(
      this.ds,
      `SELECT included, matrix, cluster_of, excluded, excluded_reason, excluded_n_returns, psd_repaired,
              min_eigenvalue, avg_abs_corr, diversification_ratio
         FROM ${this.t("position_correlations")} WHERE portfolio_id = $1::uuid AND date = $2::date`,
      [portfolioId, date],
    );
    const r = rows[0];
    if (!r) return undefined;
    const excluded = r.excluded as string[];
    const reasons = (r.excluded_reason as unknown[]).map(Number);
    const nRet = (r.excluded_n_returns as unknown[]).map(Number);
    return {
      portfolioId,
      date,
      included: r.included as string[],
      matrix: Float64Array.from(r.matrix as unknown[], num),
      clusterOf: Int32Array.from(r.cluster_of as unknown[], Number),
      excluded: excluded.map((symbol, i) => {
        const reason = EXCLUSION_OF_CODE.get(reasons[i]!);
        if (!reason) throw new Error(`position_correlations ${portfolioId} ${date}: unknown exclusion code ${reasons[i]}`);
        return { symbol, reason, nReturns: nRet[i]! };
      }),
      psdRepaired: Boolean(r.psd_repaired),
      minEigenvalue: num(r.min_eigenvalue),
      avgAbsCorr: num(r.avg_abs_corr),
      diversificationRatio: num(r.diversification_ratio),
    };
  }

  /** The factor EWMA stored for a date, or undefined. */
  async readFactorEwma(date: string): Promise<FactorEwmaRow | undefined> {
    const rows = await queryRows<{ cov: unknown[]; corr_clipped: unknown[] }>(
      this.ds,
      `SELECT cov, corr_clipped FROM ${this.t("factor_ewma")} WHERE date = $1::date`,
      [date],
    );
    const r = rows[0];
    if (!r) return undefined;
    return { date, cov: Float64Array.from(r.cov, num), corrClipped: Float64Array.from(r.corr_clipped, num) };
  }

  /**
   * Removes the portfolio's volatility and correlation rows in one transaction (symbol volatility and
   * the factor EWMA are shared, not the portfolio's).
   *
   * @returns rows deleted.
   */
  async deletePortfolio(portfolioId: string): Promise<number> {
    return withTransaction(this.ds, async (tx) => {
      let n = 0;
      for (const table of ["portfolio_volatility", "position_correlations"]) {
        const rows = await queryRows<{ n: number }>(
          tx,
          `WITH d AS (DELETE FROM ${this.t(table)} WHERE portfolio_id = $1::uuid RETURNING 1) SELECT count(*)::int AS n FROM d`,
          [portfolioId],
        );
        n += Number(rows[0]?.n ?? 0);
      }
      return n;
    });
  }
}
