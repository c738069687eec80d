/**
 * The snapshot service's tables: set-based reads, and writes that replace whole (portfolio, date)
 * rows in one transaction (never a half-written snapshot, never a duplicate on rerun).
 */
import { bulkUpsert, queryRows, type Queryable, withTransaction } from "@sigma/db";
import type { PortfolioRecord, PortfolioSnapshot, SnapshotRepository, StoredPosition } from "../domain/portfolio.js";
import type { PositionMark, PriceStatus, SnapshotRow } from "../domain/snapshot-engine.js";
import {
  POSITION_COLUMNS,
  POSITION_VALUE_COLUMNS,
  SNAPSHOT_COLUMNS,
  SNAPSHOT_COUNT_COLUMNS,
  SNAPSHOT_VALUE_COLUMNS,
  type SnapshotCountColumn,
  type SnapshotValueColumn,
} from "./columns.js";

/** Snapshot column → engine field. */
const FIELD: Record<SnapshotValueColumn | SnapshotCountColumn, keyof SnapshotRow> = {
  nav: "nav",
  cash: "cash",
  long_value: "longValue",
  short_value: "shortValue",
  gross_exposure: "grossExposure",
  net_exposure: "netExposure",
  daily_pnl: "dailyPnl",
  daily_return: "dailyReturn",
  cumulative_pnl: "cumulativePnl",
  options_delta_dollars: "optionsDeltaDollars",
  hhi: "hhi",
  effective_num_positions: "effectiveNumPositions",
  top_3_concentration: "top3Concentration",
  top_10_concentration: "top10Concentration",
  num_positions: "numPositions",
  num_long: "numLong",
  num_short: "numShort",
  num_stale: "numStale",
  num_model_priced: "numModelPriced",
  num_unpriced: "numUnpriced",
  num_private: "numPrivate",
  num_quoted: "numQuoted",
};

const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));

/** Postgres implementation of {@link SnapshotRepository}; SQL is schema-qualified (no search_path). */
export class PgSnapshotStore implements SnapshotRepository {
  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
  ) {}

  private t(name: string): string {
    return `${this.schema}.${name}`;
  }

  async insertPortfolio(p: Omit<PortfolioRecord, "watermarkDate">, positions: readonly StoredPosition[]): Promise<void> {
    await withTransaction(this.db, async (tx) => {
      await queryRows(
        tx,
        `INSERT INTO ${this.t("portfolios")} (id, name, owner, starting_equity, first_entry_date, active) VALUES ($1, $2, $3, $4, $5, $6)`,
        [p.id, p.name, p.owner, p.startingEquity ?? null, p.firstEntryDate, p.active],
      );
      await bulkUpsert(
        tx,
        { table: this.t("positions"), columns: POSITION_COLUMNS, conflict: ["portfolio_id", "ordinal"] },
        positions.map((pos) => ({
          portfolio_id: p.id,
          ordinal: pos.ordinal,
          position_id: pos.id,
          symbol: pos.symbol,
          quantity: pos.quantity,
          entry_price: pos.entryPrice,
          entry_date: pos.entryDate,
          investment_class: pos.positionClass,
          investment_subtype: pos.investmentSubtype,
          underlying_symbol: pos.underlying ?? null,
          strike_price: pos.strike ?? null,
          expiration_date: pos.expirationDate ?? null,
          option_type: pos.optionType ?? null,
          exit_date: pos.exitDate ?? null,
          exit_price: pos.exitPrice ?? null,
        })),
        { atomic: false },
      );
    });
  }

  async listPortfolios(filter: { ids?: readonly string[]; owner?: string; includeInactive?: boolean }): Promise<PortfolioRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.ids) {
      params.push(filter.ids);
      where.push(`p.id = ANY($${params.length}::uuid[])`);
    }
    if (filter.owner !== undefined) {
      params.push(filter.owner);
      where.push(`p.owner = $${params.length}`);
    }
    if (!filter.includeInactive) where.push("p.active");
    // The watermark is one index-only lookup per portfolio on the snapshots primary key.
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT p.id, p.name, p.owner, p.starting_equity, p.first_entry_date::text AS first_entry_date, p.active,
              (SELECT max(s.date)::text FROM ${this.t("snapshots")} s WHERE s.portfolio_id = p.id) AS watermark
         FROM ${this.t("portfolios")} p
        ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY p.created_at, p.id`,
      params,
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      owner: String(r.owner),
      startingEquity: r.starting_equity === null ? undefined : Number(r.starting_equity),
      firstEntryDate: String(r.first_entry_date),
      active: Boolean(r.active),
      watermarkDate: r.watermark === null ? "" : String(r.watermark),
    }));
  }

  async positionsOf(portfolioIds: readonly string[]): Promise<Map<string, StoredPosition[]>> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT portfolio_id, ordinal, position_id, symbol, quantity, entry_price, entry_date::text AS entry_date, investment_class,
              investment_subtype, underlying_symbol, strike_price, expiration_date::text AS expiration_date, option_type,
              exit_date::text AS exit_date, exit_price
         FROM ${this.t("positions")} WHERE portfolio_id = ANY($1::uuid[]) ORDER BY portfolio_id, ordinal`,
      [portfolioIds],
    );
    const out = new Map<string, StoredPosition[]>(portfolioIds.map((id) => [id, []]));
    for (const r of rows) {
      const pos: StoredPosition = {
        id: String(r.position_id),
        ordinal: Number(r.ordinal),
        symbol: String(r.symbol),
        quantity: Number(r.quantity),
        entryPrice: Number(r.entry_price),
        entryDate: String(r.entry_date),
        positionClass: String(r.investment_class) as StoredPosition["positionClass"],
        investmentSubtype: String(r.investment_subtype ?? ""),
      };
      if (r.underlying_symbol !== null) pos.underlying = String(r.underlying_symbol);
      if (r.strike_price !== null) pos.strike = Number(r.strike_price);
      if (r.expiration_date !== null) pos.expirationDate = String(r.expiration_date);
      if (r.option_type !== null) pos.optionType = String(r.option_type) as "call" | "put";
      if (r.exit_date !== null) pos.exitDate = String(r.exit_date);
      if (r.exit_price !== null) pos.exitPrice = Number(r.exit_price);
      out.get(String(r.portfolio_id))?.push(pos);
    }
    return out;
  }

  async replaceSnapshots(rows: readonly PortfolioSnapshot[]): Promise<number> {
    if (rows.length === 0) return 0;
    const columns: Record<string, unknown[]> = Object.fromEntries(SNAPSHOT_COLUMNS.map((c) => [c.name, []]));
    for (const { portfolioId, row } of rows) {
      columns.portfolio_id!.push(portfolioId);
      columns.date!.push(row.date);
      for (const c of [...SNAPSHOT_VALUE_COLUMNS, ...SNAPSHOT_COUNT_COLUMNS]) columns[c]!.push(row[FIELD[c]]);
    }
    return withTransaction(this.db, async (tx) => {
      // Upsert by primary key replaces each (portfolio, date) row whole, inside one transaction.
      return bulkUpsert(tx, { table: this.t("snapshots"), columns: SNAPSHOT_COLUMNS, conflict: ["portfolio_id", "date"] }, columns, {
        atomic: false,
      });
    });
  }

  async readSnapshots(portfolioId: string, startDate: string, endDate: string): Promise<SnapshotRow[]> {
    const cols = [...SNAPSHOT_VALUE_COLUMNS, ...SNAPSHOT_COUNT_COLUMNS];
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT date::text AS date, ${cols.join(", ")} FROM ${this.t("snapshots")}
        WHERE portfolio_id = $1 AND date BETWEEN $2::date AND $3::date ORDER BY date`,
      [portfolioId, startDate, endDate],
    );
    return rows.map((r) => {
      const row = { date: String(r.date) } as Record<string, unknown>;
      for (const c of cols) row[FIELD[c]] = num(r[c]);
      return row as unknown as SnapshotRow;
    });
  }

  async replacePositionValues(portfolioId: string, date: string, marks: readonly PositionMark[]): Promise<number> {
    return withTransaction(this.db, async (tx) => {
      await queryRows(tx, `DELETE FROM ${this.t("position_values")} WHERE portfolio_id = $1 AND date = $2::date`, [portfolioId, date]);
      if (marks.length === 0) return 0;
      return bulkUpsert(
        tx,
        { table: this.t("position_values"), columns: POSITION_VALUE_COLUMNS, conflict: ["portfolio_id", "date", "position_id"] },
        marks.map((m) => ({
          portfolio_id: portfolioId,
          date,
          position_id: m.positionId,
          symbol: m.symbol,
          quantity: m.quantity,
          last_price: m.lastPrice,
          price_status: m.priceStatus,
          market_value: m.marketValue,
          unrealized_pnl: m.unrealizedPnl,
          weight: m.weight,
        })),
        { atomic: false },
      );
    });
  }

  async readPositionValues(portfolioId: string, date: string): Promise<PositionMark[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT v.position_id, v.symbol, v.quantity, v.last_price, v.price_status, v.market_value, v.unrealized_pnl, v.weight
         FROM ${this.t("position_values")} v
         LEFT JOIN ${this.t("positions")} p ON p.portfolio_id = v.portfolio_id AND p.position_id = v.position_id
        WHERE v.portfolio_id = $1 AND v.date = $2::date ORDER BY p.ordinal, v.position_id`,
      [portfolioId, date],
    );
    return rows.map((r) => ({
      positionId: String(r.position_id),
      symbol: String(r.symbol),
      quantity: num(r.quantity),
      lastPrice: num(r.last_price),
      priceStatus: String(r.price_status) as PriceStatus,
      marketValue: num(r.market_value),
      unrealizedPnl: num(r.unrealized_pnl),
      weight: num(r.weight),
    }));
  }

  async latestPositionValueDate(portfolioId: string, onOrBefore: string): Promise<string> {
    const [row] = await queryRows<{ d: string | null }>(
      this.db,
      `SELECT max(date)::text AS d FROM ${this.t("position_values")} WHERE portfolio_id = $1 AND date <= $2::date`,
      [portfolioId, onOrBefore],
    );
    return row?.d ?? "";
  }

  async deletePortfolio(portfolioId: string): Promise<{ positions: number; snapshots: number; positionValues: number } | undefined> {
    return withTransaction(this.db, async (tx) => {
      const count = async (table: string) =>
        Number(
          (await queryRows<{ n: number }>(tx, `SELECT count(*)::int AS n FROM ${this.t(table)} WHERE portfolio_id = $1`, [portfolioId]))[0]
            ?.n ?? 0,
        );
      const found = await queryRows(tx, `SELECT 1 FROM ${this.t("portfolios")} WHERE id = $1 FOR UPDATE`, [portfolioId]);
      if (found.length === 0) return undefined;
      const counts = {
        positions: await count("positions"),
        snapshots: await count("snapshots"),
        positionValues: await count("position_values"),
      };
      await queryRows(tx, `DELETE FROM ${this.t("portfolios")} WHERE id = $1`, [portfolioId]);
      return counts;
    });
  }
}
