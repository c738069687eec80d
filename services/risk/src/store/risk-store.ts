/**
 * The risk service's core tables: packed rows written by one bulk write per call (binary COPY on
 * Postgres, unnest on PGlite), every call in one transaction (never a half-written phase), replaced by
 * primary key on recompute.
 */
import {
  boolArrayFromSend,
  bulkWrite,
  type ColumnSpec,
  textArrayFromSend,
  queryRows,
  type Queryable,
  retryTransientFailures,
  withTransaction,
} from "@sigma/db";
import { RISK_FACTOR_COUNT } from "@sigma/quant";
import type { ExposureRow, PositionBetaRow, RiskRepository, ScenarioOutcome, StoredStress } from "../domain/ports.js";
import { floatArrayLiteral, floats } from "./pg-arrays.js";

/** Array elements per statement: keeps one bind message in the tens of MB at most. */
export const MAX_ELEMENTS_PER_STATEMENT = 1_000_000;
/** Rows per statement, whatever their size. */
export const MAX_ROWS_PER_STATEMENT = 5_000;

/**
 * Rows per statement of the unnest path (PGlite) so one statement carries at most
 * MAX_ELEMENTS_PER_STATEMENT array elements (COPY streams in 1 MiB chunks whatever the size).
 */
function batchFor<T>(rows: readonly T[], size: (r: T) => number): number {
  let widest = 1;
  for (const r of rows) widest = Math.max(widest, size(r));
  return Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_ELEMENTS_PER_STATEMENT / widest)));
}

/** Splits rows into statements of at most MAX_ROWS_PER_STATEMENT rows and ~MAX_ELEMENTS_PER_STATEMENT elements. */
function* chunks<T>(rows: readonly T[], size: (r: T) => number): Generator<T[]> {
  let cur: T[] = [];
  let elements = 0;
  for (const r of rows) {
    const n = size(r);
    if (cur.length > 0 && (cur.length >= MAX_ROWS_PER_STATEMENT || elements + n > MAX_ELEMENTS_PER_STATEMENT)) {
      yield cur;
      cur = [];
      elements = 0;
    }
    cur.push(r);
    elements += n;
  }
  if (cur.length) yield cur;
}

/** position_betas as written (types equal the table's, so COPY goes straight in). */
const POSITION_BETA_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  { name: "nav", pgType: "float8" },
  { name: "position_ids", pgType: "text[]" },
  { name: "symbols", pgType: "text[]" },
  { name: "market_values", pgType: "float8[]" },
  { name: "eligible", pgType: "bool[]" },
  { name: "betas", pgType: "float8[]" },
];

/** factor_exposures as written. */
const EXPOSURE_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  { name: "nav", pgType: "float8" },
  { name: "beta", pgType: "float8[]" },
  { name: "dollar", pgType: "float8[]" },
  { name: "covered", pgType: "int4[]" },
  { name: "eligible", pgType: "int4" },
  { name: "coverage_count", pgType: "float8[]" },
  { name: "coverage_value", pgType: "float8[]" },
  { name: "no_coverage", pgType: "bool[]" },
  { name: "data_quality_failure", pgType: "bool" },
];

const n = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));

function exposureOf(r: Record<string, unknown>): ExposureRow {
  return {
    portfolioId: String(r.portfolio_id),
    date: String(r.date),
    nav: n(r.nav),
    beta: floats(r.beta),
    dollar: floats(r.dollar),
    covered: Int32Array.from(r.covered as number[]),
    eligible: Number(r.eligible),
    coverageCount: floats(r.coverage_count),
    coverageValue: floats(r.coverage_value),
    noCoverage: Uint8Array.from(r.no_coverage as boolean[], (b) => (b ? 1 : 0)),
    dataQualityFailure: Boolean(r.data_quality_failure),
  };
}

/** Postgres implementation of {@link RiskRepository}; SQL is schema-qualified (no search_path). */
export class PgRiskStore implements RiskRepository {
  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
  ) {
    // A Postgres restart or dropped connection is retried (each method is idempotent as a whole), then
    // answered UNAVAILABLE: the same rule as every other store (see @sigma/db transient.ts).
    retryTransientFailures<PgRiskStore>(
      this,
      [
        "replacePositionBetas",
        "readPositionBetas",
        "replaceExposures",
        "readExposures",
        "exposureDates",
        "replaceStress",
        "readStress",
        "deletePortfolio",
      ],
      "risk store",
    );
  }

  private t(name: string): string {
    return `${this.schema}.${name}`;
  }

  /**
   * Deletes the rows of the given (portfolio, date) keys in one statement, so the new rows go straight
   * in by COPY (replace by primary key, as an upsert would, without a staging table).
   */
  private async deleteKeys(tx: Queryable, table: string, keys: readonly { portfolioId: string; date: string }[]): Promise<void> {
    await queryRows(
      tx,
      `WITH d AS (DELETE FROM ${this.t(table)} t USING unnest($1::uuid[], $2::date[]) AS c(p, d)
                   WHERE t.portfolio_id = c.p AND t.date = c.d RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [keys.map((k) => k.portfolioId), keys.map((k) => k.date)],
    );
  }

  async replacePositionBetas(rows: readonly PositionBetaRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return withTransaction(this.db, async (tx) => {
      await this.deleteKeys(tx, "position_betas", rows);
      // Binary COPY on Postgres (no decimal text for the packed floats), unnest on the embedded PGlite.
      return bulkWrite(
        tx,
        { table: this.t("position_betas"), columns: POSITION_BETA_COLUMNS, conflict: ["portfolio_id", "date"] },
        {
          portfolio_id: rows.map((r) => r.portfolioId),
          date: rows.map((r) => r.date),
          nav: rows.map((r) => r.nav),
          position_ids: rows.map((r) => r.positionIds),
          symbols: rows.map((r) => r.symbols),
          market_values: rows.map((r) => r.marketValues),
          eligible: rows.map((r) => r.eligible),
          betas: rows.map((r) => r.betas),
        },
        { mode: "insert", atomic: false, batchSize: batchFor(rows, (r) => r.positionIds.length * (RISK_FACTOR_COUNT + 4)) },
      );
    });
  }

  async readPositionBetas(cells: readonly { portfolioId: string; date: string }[]): Promise<PositionBetaRow[]> {
    if (cells.length === 0) return [];
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT t.portfolio_id::text AS portfolio_id, t.date::text AS date, t.nav, array_send(t.position_ids) AS position_ids, array_send(t.symbols) AS symbols,
              array_send(t.market_values) AS market_values, array_send(t.eligible) AS eligible, array_send(t.betas) AS betas
         FROM ${this.t("position_betas")} t
         JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::date[]) AS c(p, d)) c ON t.portfolio_id = c.p AND t.date = c.d
        ORDER BY t.portfolio_id, t.date`,
      [cells.map((c) => c.portfolioId), cells.map((c) => c.date)],
    );
    return rows.map((r) => ({
      portfolioId: String(r.portfolio_id),
      date: String(r.date),
      nav: n(r.nav),
      positionIds: textArrayFromSend(r.position_ids as Buffer),
      symbols: textArrayFromSend(r.symbols as Buffer),
      marketValues: floats(r.market_values),
      eligible: boolArrayFromSend(r.eligible as Buffer),
      betas: floats(r.betas),
    }));
  }

  async replaceExposures(rows: readonly ExposureRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return withTransaction(this.db, async (tx) => {
      await this.deleteKeys(tx, "factor_exposures", rows);
      return bulkWrite(
        tx,
        { table: this.t("factor_exposures"), columns: EXPOSURE_COLUMNS, conflict: ["portfolio_id", "date"] },
        {
          portfolio_id: rows.map((r) => r.portfolioId),
          date: rows.map((r) => r.date),
          nav: rows.map((r) => r.nav),
          beta: rows.map((r) => r.beta),
          dollar: rows.map((r) => r.dollar),
          covered: rows.map((r) => r.covered),
          eligible: rows.map((r) => r.eligible),
          coverage_count: rows.map((r) => r.coverageCount),
          coverage_value: rows.map((r) => r.coverageValue),
          no_coverage: rows.map((r) => r.noCoverage),
          data_quality_failure: rows.map((r) => r.dataQualityFailure),
        },
        { mode: "insert", atomic: false, batchSize: batchFor(rows, () => 6 * RISK_FACTOR_COUNT) },
      );
    });
  }

  async readExposures(cells: readonly { portfolioId: string; date: string }[]): Promise<ExposureRow[]> {
    if (cells.length === 0) return [];
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT t.portfolio_id::text AS portfolio_id, t.date::text AS date, t.nav, array_send(t.beta) AS beta, array_send(t.dollar) AS dollar, t.covered, t.eligible,
              array_send(t.coverage_count) AS coverage_count, array_send(t.coverage_value) AS coverage_value, t.no_coverage, t.data_quality_failure
         FROM ${this.t("factor_exposures")} t
         JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::date[]) AS c(p, d)) c ON t.portfolio_id = c.p AND t.date = c.d
        ORDER BY t.portfolio_id, t.date`,
      [cells.map((c) => c.portfolioId), cells.map((c) => c.date)],
    );
    return rows.map(exposureOf);
  }

  async exposureDates(portfolioId: string): Promise<string[]> {
    // One portfolio has at most one row per trading date: bounded by its history.
    const rows = await queryRows<{ date: string }>(
      this.db,
      `SELECT date::text AS date FROM ${this.t("factor_exposures")} WHERE portfolio_id = $1 ORDER BY date`,
      [portfolioId],
    );
    return rows.map((r) => String(r.date));
  }

  async replaceStress(
    items: readonly { portfolioId: string; date: string; nav: number; outcomes: readonly ScenarioOutcome[] }[],
  ): Promise<number> {
    if (items.length === 0) return 0;
    const flat = items.flatMap((it) => it.outcomes.map((o, ordinal) => ({ it, o, ordinal })));
    return withTransaction(this.db, async (tx) => {
      // Replace semantics per (portfolio, date): scenarios no longer computed do not linger.
      await queryRows(
        tx,
        `WITH d AS (DELETE FROM ${this.t("stress_results")} t USING unnest($1::uuid[], $2::date[]) AS c(p, d)
                     WHERE t.portfolio_id = c.p AND t.date = c.d RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [items.map((i) => i.portfolioId), items.map((i) => i.date)],
      );
      let written = 0;
      for (const chunk of chunks(flat, () => 6 * RISK_FACTOR_COUNT)) {
        const [res] = await queryRows<{ n: number }>(
          tx,
          `WITH w AS (
             INSERT INTO ${this.t("stress_results")} (portfolio_id, date, scenario_id, ordinal, nav, active_by_default, shocks, direct,
               direct_total, direct_pct, direct_loss_exceeds_nav, correlated_available, correlated, correlated_total, correlated_pct,
               correlated_loss_exceeds_nav, implied_moves, etf_moves)
             SELECT u.p, u.d, u.sid, u.ord, u.nav, u.act, u.sh::float8[], u.di::float8[], u.dt, u.dp, u.dl, u.ca, u.co::float8[], u.ct, u.cp,
                    u.cl, u.im::float8[], u.em::float8[]
               FROM unnest($1::uuid[], $2::date[], $3::text[], $4::int4[], $5::float8[], $6::bool[], $7::text[], $8::text[], $9::float8[],
                           $10::float8[], $11::bool[], $12::bool[], $13::text[], $14::float8[], $15::float8[], $16::bool[], $17::text[],
                           $18::text[]) AS u(p, d, sid, ord, nav, act, sh, di, dt, dp, dl, ca, co, ct, cp, cl, im, em)
             RETURNING 1)
           SELECT count(*)::int AS n FROM w`,
          [
            chunk.map((x) => x.it.portfolioId),
            chunk.map((x) => x.it.date),
            chunk.map((x) => x.o.scenarioId),
            chunk.map((x) => x.ordinal),
            chunk.map((x) => x.it.nav),
            chunk.map((x) => x.o.activeByDefault),
            chunk.map((x) => floatArrayLiteral(x.o.shocks)),
            chunk.map((x) => floatArrayLiteral(x.o.direct)),
            chunk.map((x) => x.o.directTotal),
            chunk.map((x) => x.o.directPct),
            chunk.map((x) => x.o.directLossExceedsNav),
            chunk.map((x) => x.o.correlatedAvailable),
            chunk.map((x) => floatArrayLiteral(x.o.correlated)),
            chunk.map((x) => x.o.correlatedTotal),
            chunk.map((x) => x.o.correlatedPct),
            chunk.map((x) => x.o.correlatedLossExceedsNav),
            chunk.map((x) => floatArrayLiteral(x.o.impliedMoves)),
            chunk.map((x) => floatArrayLiteral(x.o.etfMoves)),
          ],
        );
        written += res!.n;
      }
      return written;
    });
  }

  async readStress(portfolioId: string, date: string): Promise<StoredStress | undefined> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT date::text AS date, scenario_id, nav, active_by_default, array_send(shocks) AS shocks, array_send(direct) AS direct, direct_total, direct_pct, direct_loss_exceeds_nav,
              correlated_available, array_send(correlated) AS correlated, correlated_total, correlated_pct, correlated_loss_exceeds_nav,
              array_send(implied_moves) AS implied_moves, array_send(etf_moves) AS etf_moves
         FROM ${this.t("stress_results")}
        WHERE portfolio_id = $1
          AND date = COALESCE($2::date, (SELECT max(date) FROM ${this.t("stress_results")} WHERE portfolio_id = $1))
        ORDER BY ordinal`,
      [portfolioId, date || null],
    );
    if (rows.length === 0) return undefined;
    return {
      date: String(rows[0]!.date),
      nav: n(rows[0]!.nav),
      outcomes: rows.map((r) => ({
        scenarioId: String(r.scenario_id),
        activeByDefault: Boolean(r.active_by_default),
        shocks: floats(r.shocks),
        direct: floats(r.direct),
        directTotal: n(r.direct_total),
        directPct: n(r.direct_pct),
        directLossExceedsNav: Boolean(r.direct_loss_exceeds_nav),
        correlatedAvailable: Boolean(r.correlated_available),
        correlated: floats(r.correlated),
        correlatedTotal: n(r.correlated_total),
        correlatedPct: n(r.correlated_pct),
        correlatedLossExceedsNav: Boolean(r.correlated_loss_exceeds_nav),
        impliedMoves: floats(r.implied_moves),
        etfMoves: floats(r.etf_moves),
      })),
    };
  }

  /**
   * Deletes every core row of a portfolio (run it inside the caller's transaction with the other
   * risk tables' delete).
   *
   * @returns rows deleted across the three tables.
   */
  async deletePortfolio(portfolioId: string): Promise<number> {
    let total = 0;
    for (const table of ["position_betas", "factor_exposures", "stress_results"]) {
      const [r] = await queryRows<{ n: number }>(
        this.db,
        `WITH d AS (DELETE FROM ${this.t(table)} WHERE portfolio_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM d`,
        [portfolioId],
      );
      total += r!.n;
    }
    return total;
  }

  /** The same store over another handle (e.g. a transaction). */
  on(db: Queryable): PgRiskStore {
    return new PgRiskStore(db, this.schema);
  }
}
