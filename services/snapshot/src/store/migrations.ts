import { migrationSchema as schemaOf } from "@sigma/db";
import type { MigrationInterface, QueryRunner } from "typeorm";
import { columnDdl, POSITION_COLUMNS, POSITION_MARK_COLUMNS, POSITION_VALUE_INIT_COLUMNS, SNAPSHOT_COLUMNS } from "./columns.js";

/**
 * Creates the snapshot service's tables: portfolios, their positions (file order kept), daily
 * snapshots (one row per portfolio-date, replaced atomically on recompute) and position values.
 * Children reference the portfolio with ON DELETE CASCADE, so deleting a portfolio is one statement.
 */
export class SnapshotInit1700000000200 implements MigrationInterface {
  name = "SnapshotInit1700000000200";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.portfolios (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        owner text NOT NULL,
        starting_equity float8,
        first_entry_date date NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX IF NOT EXISTS portfolios_owner ON ${s}.portfolios (owner)`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.positions (
        portfolio_id uuid NOT NULL REFERENCES ${s}.portfolios (id) ON DELETE CASCADE,
        ordinal int4 NOT NULL,
        ${columnDdl(POSITION_COLUMNS, ["portfolio_id", "ordinal"])},
        PRIMARY KEY (portfolio_id, ordinal)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.snapshots (
        portfolio_id uuid NOT NULL REFERENCES ${s}.portfolios (id) ON DELETE CASCADE,
        date date NOT NULL,
        ${columnDdl(SNAPSHOT_COLUMNS, ["portfolio_id", "date"])},
        PRIMARY KEY (portfolio_id, date)
      )`);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.position_values (
        portfolio_id uuid NOT NULL REFERENCES ${s}.portfolios (id) ON DELETE CASCADE,
        date date NOT NULL,
        position_id text NOT NULL,
        ${columnDdl(POSITION_VALUE_INIT_COLUMNS, ["portfolio_id", "date", "position_id"])},
        PRIMARY KEY (portfolio_id, date, position_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    for (const t of ["position_values", "snapshots", "positions", "portfolios"]) await q.query(`DROP TABLE IF EXISTS ${s}.${t}`);
  }
}

/**
 * Adds `position_values.investment_class` (issue #9: phase 2 stores every snapshot date's marks and
 * the risk phases need each position's class with them). Rows written before this migration get the
 * class of their position; a row whose position no longer exists keeps NULL (read as UNSPECIFIED).
 */
export class SnapshotPositionValueClass1700000000201 implements MigrationInterface {
  name = "SnapshotPositionValueClass1700000000201";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.position_values ADD COLUMN IF NOT EXISTS investment_class text`);
    await q.query(`
      UPDATE ${s}.position_values v SET investment_class = p.investment_class
        FROM ${s}.positions p
       WHERE p.portfolio_id = v.portfolio_id AND p.position_id = v.position_id AND v.investment_class IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`ALTER TABLE ${s}.position_values DROP COLUMN IF EXISTS investment_class`);
  }
}

/**
 * Packs the marks: `position_values` (one row per position-date) becomes `position_marks`, one row per
 * (portfolio, date) with parallel arrays (columns.ts, POSITION_MARK_COLUMNS). A 1,000-portfolio night
 * wrote 5 M narrow rows and as many primary-key entries, inserted all over the index; now 254 k rows.
 * Existing rows are packed in position-id order (readers order marks by the positions' file order);
 * a legacy NULL class stays a NULL element. Rows of about 2 KB stay inline (toast_tuple_target), as
 * in the risk service's packed tables. Down unpacks them again.
 */
export class SnapshotPackedMarks1700000000202 implements MigrationInterface {
  name = "SnapshotPackedMarks1700000000202";

  async up(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.position_marks (
        portfolio_id uuid NOT NULL REFERENCES ${s}.portfolios (id) ON DELETE CASCADE,
        date date NOT NULL,
        ${columnDdl(POSITION_MARK_COLUMNS, ["portfolio_id", "date"]).replaceAll("[]", "[] NOT NULL")},
        PRIMARY KEY (portfolio_id, date),
        CHECK (${POSITION_MARK_COLUMNS.filter((c) => c.pgType.endsWith("[]") && c.name !== "position_ids")
          .map((c) => `cardinality(${c.name}) = cardinality(position_ids)`)
          .join(" AND ")})
      ) WITH (toast_tuple_target = 8160)`);
    await q.query(`
      INSERT INTO ${s}.position_marks (portfolio_id, date, position_ids, symbols, quantities, last_prices, price_statuses,
                                       market_values, unrealized_pnls, weights, investment_classes)
      SELECT portfolio_id, date, array_agg(position_id ORDER BY position_id), array_agg(symbol ORDER BY position_id),
             array_agg(quantity ORDER BY position_id), array_agg(last_price ORDER BY position_id),
             array_agg(price_status ORDER BY position_id), array_agg(market_value ORDER BY position_id),
             array_agg(unrealized_pnl ORDER BY position_id), array_agg(weight ORDER BY position_id),
             array_agg(investment_class ORDER BY position_id)
        FROM ${s}.position_values GROUP BY portfolio_id, date`);
    await q.query(`DROP TABLE ${s}.position_values`);
  }

  async down(q: QueryRunner): Promise<void> {
    const s = schemaOf(q);
    await q.query(`
      CREATE TABLE IF NOT EXISTS ${s}.position_values (
        portfolio_id uuid NOT NULL REFERENCES ${s}.portfolios (id) ON DELETE CASCADE,
        date date NOT NULL,
        position_id text NOT NULL,
        ${columnDdl(POSITION_VALUE_INIT_COLUMNS, ["portfolio_id", "date", "position_id"])},
        investment_class text,
        PRIMARY KEY (portfolio_id, date, position_id)
      )`);
    await q.query(`
      INSERT INTO ${s}.position_values (portfolio_id, date, position_id, symbol, quantity, last_price, price_status,
                                        market_value, unrealized_pnl, weight, investment_class)
      SELECT m.portfolio_id, m.date, u.* FROM ${s}.position_marks m,
             unnest(m.position_ids, m.symbols, m.quantities, m.last_prices, m.price_statuses, m.market_values,
                    m.unrealized_pnls, m.weights, m.investment_classes) AS u`);
    await q.query(`DROP TABLE ${s}.position_marks`);
  }
}

/** Migrations of the snapshot schema, in order. */
export const SNAPSHOT_MIGRATIONS = [SnapshotInit1700000000200, SnapshotPositionValueClass1700000000201, SnapshotPackedMarks1700000000202];
