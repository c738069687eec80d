/**
 * Integration of the snapshot store's mark writes on real Postgres (unique schemas, dropped
 * afterwards): a snapshot and its marks commit together or not at all, and migration 201 upgrades a
 * schema created by the initial migration (rows written before it get their position's class).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeDataSource, createDataSource } from "@sigma/db";
import pg from "pg";
import type { PortfolioSnapshot, StoredPosition } from "../domain/portfolio.js";
import type { PositionMark, SnapshotRow } from "../domain/snapshot-engine.js";
import { SNAPSHOT_MIGRATIONS, SnapshotInit1700000000200, SnapshotPositionValueClass1700000000201 } from "./migrations.js";
import { PgSnapshotStore } from "./snapshot-store.js";

const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const suffix = `${process.pid}_${Date.now()}`;
const PID = "11111111-1111-4111-8111-111111111111";

const position = (ordinal: number, symbol: string, positionClass: StoredPosition["positionClass"]): StoredPosition => ({
  id: `pos-${ordinal}`,
  ordinal,
  symbol,
  quantity: 10,
  entryPrice: 100,
  entryDate: "2019-01-02",
  positionClass,
  investmentSubtype: "",
});

const row = (date: string, nav: number): SnapshotRow => ({
  date,
  nav,
  cash: 0,
  longValue: nav,
  shortValue: 0,
  grossExposure: nav,
  netExposure: nav,
  dailyPnl: 0,
  dailyReturn: 0,
  cumulativePnl: 0,
  numPositions: 2,
  numLong: 2,
  numShort: 0,
  numStale: 0,
  numModelPriced: 0,
  numUnpriced: 0,
  numPrivate: 1,
  numQuoted: 0,
  optionsDeltaDollars: 0,
  hhi: 5000,
  effectiveNumPositions: 2,
  top3Concentration: 1,
  top10Concentration: 1,
});

const mark = (p: StoredPosition, price: number, nav: number): PositionMark => ({
  positionId: p.id,
  symbol: p.symbol,
  positionClass: p.positionClass,
  quantity: p.quantity,
  lastPrice: price,
  priceStatus: p.positionClass === "private" ? "private" : "live",
  marketValue: p.quantity * price,
  unrealizedPnl: p.quantity * (price - p.entryPrice),
  weight: (p.quantity * price) / nav,
});

describe("snapshot store: marks with snapshots, migrations 201 and 202", () => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const schemas: string[] = [];

  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
  });

  const migrated = async (schema: string, migrations: readonly (typeof SNAPSHOT_MIGRATIONS)[number][]) => {
    schemas.push(schema);
    const ds = await createDataSource({ url: databaseUrl, schema, entities: [], migrations: [...migrations] });
    await closeDataSource(ds);
  };

  it("writes a cell's snapshot and marks in one transaction: a failing mark write leaves neither", async () => {
    const schema = `snap_store_it_${suffix}`;
    await migrated(schema, SNAPSHOT_MIGRATIONS);
    const store = new PgSnapshotStore(pool, schema);
    const a = position(0, "AAA", "public");
    const b = position(1, "PRIV", "private");
    await store.insertPortfolio({ id: PID, name: "t", owner: "o", firstEntryDate: "2019-01-02", active: true }, [a, b]);
    const cell = (date: string, nav: number, marks: PositionMark[]): PortfolioSnapshot => ({
      portfolioId: PID,
      row: row(date, nav),
      marks,
    });
    const counts = await store.replaceSnapshots([
      cell("2019-01-02", 2000, [mark(a, 100, 2000), mark(b, 100, 2000)]),
      cell("2019-01-03", 2010, [mark(a, 101, 2010), mark(b, 100, 2010)]),
    ]);
    assert.deepEqual(counts, { snapshots: 2, positionValues: 4 });
    // A duplicate mark makes the INSERT fail after the snapshot upsert ran: everything rolls back.
    await assert.rejects(
      store.replaceSnapshots([
        cell("2019-01-03", 9999, [mark(a, 105, 9999)]),
        cell("2019-01-04", 2020, [mark(a, 102, 2020), mark(a, 102, 2020)]),
      ]),
    );
    const snaps = await store.readSnapshots(PID, "2019-01-01", "2019-12-31");
    assert.deepEqual(
      snaps.map((s) => [s.date, s.nav]),
      [
        ["2019-01-02", 2000],
        ["2019-01-03", 2010],
      ],
    );
    const range = await store.readPositionValueRange([PID], "2019-01-01", "2019-12-31", 100);
    assert.equal(range.complete, true);
    assert.deepEqual(
      range.days.map((d) => [d.date, d.nav, d.marks.map((m) => `${m.positionId}:${m.lastPrice}:${m.positionClass}`)]),
      [
        ["2019-01-02", 2000, ["pos-0:100:public", "pos-1:100:private"]],
        ["2019-01-03", 2010, ["pos-0:101:public", "pos-1:100:private"]],
      ],
    );
    // Replace semantics: a cell recomputed without a position loses its row; other cells keep theirs.
    assert.deepEqual(await store.replaceSnapshots([cell("2019-01-03", 2010, [mark(a, 101, 2010)])]), { snapshots: 1, positionValues: 1 });
    const after = await store.readPositionValueRange([PID], "2019-01-01", "2019-12-31", 100);
    assert.deepEqual(
      after.days.map((d) => d.marks.length),
      [2, 1],
    );
    // The row cap: 3 joined rows > 2 → incomplete, never silently cut at the caller.
    assert.equal((await store.readPositionValueRange([PID], "2019-01-01", "2019-12-31", 2)).complete, false);
  });

  it("migration 201 adds investment_class to a schema made by the initial migration and fills it from positions", async () => {
    const schema = `snap_mig_it_${suffix}`;
    await migrated(schema, [SnapshotInit1700000000200]);
    await pool.query(`INSERT INTO ${schema}.portfolios (id, name, owner, first_entry_date) VALUES ($1, 't', 'o', '2019-01-02')`, [PID]);
    await pool.query(
      `INSERT INTO ${schema}.positions (portfolio_id, ordinal, position_id, symbol, quantity, entry_price, entry_date, investment_class, investment_subtype)
       VALUES ($1, 0, 'pos-0', 'SPY', 1, 1, '2019-01-02', 'public', 'ETF'), ($1, 1, 'pos-1', 'PRIV', 1, 1, '2019-01-02', 'private', '')`,
      [PID],
    );
    await pool.query(
      `INSERT INTO ${schema}.position_values (portfolio_id, date, position_id, symbol, quantity, last_price, price_status, market_value, unrealized_pnl, weight)
       VALUES ($1, '2019-01-02', 'pos-0', 'SPY', 1, 1, 'live', 1, 0, 0.5), ($1, '2019-01-02', 'pos-1', 'PRIV', 1, 1, 'private', 1, 0, 0.5)`,
      [PID],
    );
    await migrated(schema, [SnapshotInit1700000000200, SnapshotPositionValueClass1700000000201]);
    const rows = await pool.query(`SELECT position_id, investment_class FROM ${schema}.position_values ORDER BY position_id`);
    assert.deepEqual(rows.rows, [
      { position_id: "pos-0", investment_class: "public" },
      { position_id: "pos-1", investment_class: "private" },
    ]);
  });

  it("migration 202 packs position_values into one position_marks row per portfolio-date (a NULL class kept), and back", async () => {
    const schema = `snap_pack_it_${suffix}`;
    await migrated(schema, [SnapshotInit1700000000200, SnapshotPositionValueClass1700000000201]);
    await pool.query(`INSERT INTO ${schema}.portfolios (id, name, owner, first_entry_date) VALUES ($1, 't', 'o', '2019-01-02')`, [PID]);
    await pool.query(
      `INSERT INTO ${schema}.positions (portfolio_id, ordinal, position_id, symbol, quantity, entry_price, entry_date, investment_class, investment_subtype)
       VALUES ($1, 0, 'pos-b', 'SPY', 1, 1, '2019-01-02', 'public', 'ETF'), ($1, 1, 'pos-a', 'PRIV', 1, 1, '2019-01-02', 'private', '')`,
      [PID],
    );
    // pos-gone: a legacy mark whose position no longer exists (NULL class).
    await pool.query(
      `INSERT INTO ${schema}.position_values (portfolio_id, date, position_id, symbol, quantity, last_price, price_status, market_value, unrealized_pnl, weight, investment_class)
       VALUES ($1, '2019-01-02', 'pos-b', 'SPY', 2, 10, 'live', 20, 1, 0.4, 'public'), ($1, '2019-01-02', 'pos-a', 'PRIV', 1, 30, 'private', 30, 0, 0.6, 'private'),
              ($1, '2019-01-03', 'pos-b', 'SPY', 2, 11, 'stale', 22, 3, 1, 'public'), ($1, '2019-01-03', 'pos-gone', 'XYZ', 1, 5, 'live', 5, 0, 0.1, NULL)`,
      [PID],
    );
    const before = await pool.query(`SELECT * FROM ${schema}.position_values ORDER BY date, position_id`);
    await migrated(schema, SNAPSHOT_MIGRATIONS);
    const packed = await pool.query(
      `SELECT date::text AS date, position_ids, symbols, weights, investment_classes FROM ${schema}.position_marks ORDER BY date`,
    );
    assert.deepEqual(packed.rows, [
      {
        date: "2019-01-02",
        position_ids: ["pos-a", "pos-b"],
        symbols: ["PRIV", "SPY"],
        weights: [0.6, 0.4],
        investment_classes: ["private", "public"],
      },
      {
        date: "2019-01-03",
        position_ids: ["pos-b", "pos-gone"],
        symbols: ["SPY", "XYZ"],
        weights: [1, 0.1],
        investment_classes: ["public", null],
      },
    ]);
    // Read back through the store: file order (pos-b before pos-a), the gone position last, its class empty.
    const store = new PgSnapshotStore(pool, schema);
    assert.deepEqual(
      (await store.readPositionValues(PID, "2019-01-02")).map((m) => [m.positionId, m.positionClass, m.marketValue]),
      [
        ["pos-b", "public", 20],
        ["pos-a", "private", 30],
      ],
    );
    assert.deepEqual(
      (await store.readPositionValues(PID, "2019-01-03")).map((m) => [m.positionId, m.positionClass, m.priceStatus]),
      [
        ["pos-b", "public", "stale"],
        ["pos-gone", "", "live"],
      ],
    );
    // Down restores the narrow rows exactly.
    const ds = await createDataSource({ url: databaseUrl, schema, entities: [], migrations: [...SNAPSHOT_MIGRATIONS] });
    try {
      await ds.undoLastMigration();
    } finally {
      await closeDataSource(ds);
    }
    assert.deepEqual((await pool.query(`SELECT * FROM ${schema}.position_values ORDER BY date, position_id`)).rows, before.rows);
  });
});
