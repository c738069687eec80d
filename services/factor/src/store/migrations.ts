import type { MigrationInterface, QueryRunner } from "typeorm";
import { migrationSchema as schemaOf } from "@sigma/db";
import { columnDdl, SYMBOL_FACTOR_COLUMNS, SYMBOL_METRIC_COLUMNS } from "./columns.js";

/**
 * Creates the factor tables: symbol factor betas (one wide row per symbol-date, see columns.ts for
 * why) and symbol metrics (one row per symbol-date, NULL = too little history).
 */
export class FactorInit1700000000100 implements MigrationInterface {
  name = "FactorInit1700000000100";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    // The primary key (symbol, date) serves both the range delete of a rerun and the reads by symbols and dates.
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.symbol_factors (
        symbol text NOT NULL,
        date date NOT NULL,
        ${columnDdl(SYMBOL_FACTOR_COLUMNS)},
        PRIMARY KEY (symbol, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.symbol_metrics (
        symbol text NOT NULL,
        date date NOT NULL,
        ${columnDdl(SYMBOL_METRIC_COLUMNS)},
        PRIMARY KEY (symbol, date)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE IF EXISTS ${s}.symbol_metrics`);
    await q.query(`DROP TABLE IF EXISTS ${s}.symbol_factors`);
  }
}

/** Migrations of the factor schema, in order. */
export const FACTOR_MIGRATIONS = [FactorInit1700000000100];
