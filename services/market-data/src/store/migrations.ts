import type { MigrationInterface, QueryRunner } from "typeorm";
import { migrationSchema as schemaOf } from "@sigma/db";

/** Creates the market-data tables: the symbol universe, daily prices and fetched coverage. */
export class MarketDataInit1700000000000 implements MigrationInterface {
  name = "MarketDataInit1700000000000";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.symbols (
        symbol text PRIMARY KEY,
        factor_etf boolean NOT NULL DEFAULT false,
        added_at timestamptz NOT NULL DEFAULT now(),
        unavailable boolean NOT NULL DEFAULT false,
        unavailable_reason text NOT NULL DEFAULT '',
        last_synced_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.daily_prices (
        symbol text NOT NULL,
        date date NOT NULL,
        open float8,
        high float8,
        low float8,
        close float8 NOT NULL,
        volume float8,
        PRIMARY KEY (symbol, date)
      )`);
    // Ranges already asked of the provider, so a symbol's missing days (before listing, after
    // delisting) are not re-fetched on every run; only uncovered ranges are fetched.
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.coverage (
        symbol text NOT NULL,
        start_date date NOT NULL,
        end_date date NOT NULL,
        fetched_at timestamptz NOT NULL,
        PRIMARY KEY (symbol, start_date, end_date)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`DROP TABLE IF EXISTS ${s}.coverage`);
    await q.query(`DROP TABLE IF EXISTS ${s}.daily_prices`);
    await q.query(`DROP TABLE IF EXISTS ${s}.symbols`);
  }
}

/** The market-data schema's migrations, in order (run at start by createDataSource). */
export const MARKET_DATA_MIGRATIONS = [MarketDataInit1700000000000];
