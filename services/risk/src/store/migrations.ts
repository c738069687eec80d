import { migrationSchema as schemaOf } from "@sigma/db";
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Creates the risk service's core tables, all packed (one row per portfolio-date, per-position and
 * per-factor values in arrays in RISK_FACTOR_IDS order; NaN = no value):
 * - position_betas (phase 3): the marks and the symbol betas of each position, betas row-major n × 12;
 * - factor_exposures (phase 4): 12 betas, dollars and coverage;
 * - stress_results: one row per (portfolio, date, scenario) with everything GetStoredStress answers.
 * A recompute replaces rows by primary key (stress: every scenario of a portfolio-date) in one transaction.
 */
export class RiskInit1700000000300 implements MigrationInterface {
  name = "RiskInit1700000000300";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.position_betas (
        portfolio_id uuid NOT NULL,
        date date NOT NULL,
        nav float8 NOT NULL,
        position_ids text[] NOT NULL,
        symbols text[] NOT NULL,
        market_values float8[] NOT NULL,
        eligible bool[] NOT NULL,
        betas float8[] NOT NULL,
        PRIMARY KEY (portfolio_id, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.factor_exposures (
        portfolio_id uuid NOT NULL,
        date date NOT NULL,
        nav float8 NOT NULL,
        beta float8[] NOT NULL,
        dollar float8[] NOT NULL,
        covered int4[] NOT NULL,
        eligible int4 NOT NULL,
        coverage_count float8[] NOT NULL,
        coverage_value float8[] NOT NULL,
        no_coverage bool[] NOT NULL,
        data_quality_failure bool NOT NULL,
        PRIMARY KEY (portfolio_id, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.stress_results (
        portfolio_id uuid NOT NULL,
        date date NOT NULL,
        scenario_id text NOT NULL,
        ordinal int4 NOT NULL,
        nav float8 NOT NULL,
        active_by_default bool NOT NULL,
        shocks float8[] NOT NULL,
        direct float8[] NOT NULL,
        direct_total float8 NOT NULL,
        direct_pct float8 NOT NULL,
        direct_loss_exceeds_nav bool NOT NULL,
        correlated_available bool NOT NULL,
        correlated float8[] NOT NULL,
        correlated_total float8 NOT NULL,
        correlated_pct float8 NOT NULL,
        correlated_loss_exceeds_nav bool NOT NULL,
        implied_moves float8[] NOT NULL,
        etf_moves float8[] NOT NULL,
        PRIMARY KEY (portfolio_id, date, scenario_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ["stress_results", "factor_exposures", "position_betas"]) await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
  }
}

/**
 * Keeps packed rows of up to ~8 KB inline and uncompressed (`toast_tuple_target`). A 20-position
 * row of position_betas is ~2.4 KB: above the default 2 KB target, Postgres tried to pglz-compress
 * every row (random floats do not compress) and moved it to TOAST, which made writing the table
 * ~2.6x slower (25,000 rows: 862 ms → 333 ms on this machine). Bigger rows are still toasted.
 */
export class RiskPackedInline1700000000430 implements MigrationInterface {
  name = "RiskPackedInline1700000000430";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ["position_betas", "factor_exposures", "stress_results"]) {
      await q.query(`ALTER TABLE ${s}.${t} SET (toast_tuple_target = 8160)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ["position_betas", "factor_exposures", "stress_results"])
      await q.query(`ALTER TABLE ${s}.${t} RESET (toast_tuple_target)`);
  }
}

/** Migrations of the risk core tables, in order (the volatility/correlation tables have their own list). */
export const RISK_MIGRATIONS = [RiskInit1700000000300, RiskPackedInline1700000000430];
