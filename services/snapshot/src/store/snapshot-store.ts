/**
 * The snapshot service's tables: set-based reads, and writes that replace whole (portfolio, date)
 * rows in one transaction (never a half-written snapshot, never a duplicate on rerun).
 */
import { bulkUpsert, bulkWrite, queryRows, type Queryable, replaceRows, withTransaction } from "@sigma/db";
import type {
  DatedMarks,
  PortfolioRecord,
  PortfolioSnapshot,
  SnapshotRepository,
  SnapshotWriteCounts,
  StoredPosition,
} from "../domain/portfolio.js";
import type { PositionClass, PositionMark, PriceStatus, SnapshotRow } from "../domain/snapshot-engine.js";
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

/** Appends one mark as a `position_values` row to columnar arrays (one array per column). */
function pushMark(columns: Record<string, unknown[]>, portfolioId: string, date: string, m: PositionMark): void {
  columns.portfolio_id!.push(portfolioId);
  columns.date!.push(date);
  columns.position_id!.push(m.positionId);
  columns.symbol!.push(m.symbol);
  columns.quantity!.push(m.quantity);
  columns.last_price!.push(m.lastPrice);
  columns.price_status!.push(m.priceStatus);
  columns.market_value!.push(m.marketValue);
  columns.unrealized_pnl!.push(m.unrealizedPnl);
  columns.weight!.push(m.weight);
  columns.investment_class!.push(m.positionClass);
}

const emptyColumns = (): Record<string, unknown[]> => Object.fromEntries(POSITION_VALUE_COLUMNS.map((c) => [c.name, []]));

/** The position-value columns every read selects (alias `v`; the class falls back to the position's). */
const MARK_SELECT = `v.position_id, v.symbol, v.quantity, v.last_price, v.price_status, v.market_value, v.unrealized_pnl, v.weight,
              coalesce(v.investment_class, p.investment_class) AS investment_class`;

/** The position-value columns of a range read (alias `v`, no positions join: the class is completed in code). */
const RANGE_MARK_SELECT = `v.position_id, v.symbol, v.quantity, v.last_price, v.price_status, v.market_value, v.unrealized_pnl, v.weight,
              v.investment_class`;

/** Sorts one day's marks by position file order (`order[i]` is marks[i]'s ordinal), then position id, in place. */
function sortMarks(marks: PositionMark[], order: readonly number[]): void {
  const idx = marks.map((_, i) => i);
  idx.sort(
    (a, b) =>
      order[a]! - order[b]! || (marks[a]!.positionId < marks[b]!.positionId ? -1 : marks[a]!.positionId > marks[b]!.positionId ? 1 : 0),
  );
  const sorted = idx.map((i) => marks[i]!);
  for (let i = 0; i < marks.length; i++) marks[i] = sorted[i]!;
}

/** A `position_values` row (selected with {@link MARK_SELECT}) as a mark. */
function markOf(r: Record<string, unknown>): PositionMark {
  return {
    positionId: String(r.position_id),
    symbol: String(r.symbol),
    // NULL only for a legacy row whose position no longer exists: shown as UNSPECIFIED at the edge.
    positionClass: (r.investment_class === null ? "" : String(r.investment_class)) as PositionClass,
    quantity: num(r.quantity),
    lastPrice: num(r.last_price),
    priceStatus: String(r.price_status) as PriceStatus,
    marketValue: num(r.market_value),
    unrealizedPnl: num(r.unrealized_pnl),
    weight: num(r.weight),
  };
}

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

  async replaceSnapshots(rows: readonly PortfolioSnapshot[]): Promise<SnapshotWriteCounts> {
    if (rows.length === 0) return { snapshots: 0, positionValues: 0 };
    const columns: Record<string, unknown[]> = Object.fromEntries(SNAPSHOT_COLUMNS.map((c) => [c.name, []]));
    const marks = emptyColumns();
    for (const { portfolioId, row, marks: dayMarks } of rows) {
      columns.portfolio_id!.push(portfolioId);
      columns.date!.push(row.date);
      for (const c of [...SNAPSHOT_VALUE_COLUMNS, ...SNAPSHOT_COUNT_COLUMNS]) columns[c]!.push(row[FIELD[c]]);
      for (const m of dayMarks) pushMark(marks, portfolioId, row.date, m);
    }
    return withTransaction(this.db, async (tx) => {
      // Upsert by primary key replaces each (portfolio, date) row whole, inside one transaction.
      const snapshots = await bulkWrite(
        tx,
        { table: this.t("snapshots"), columns: SNAPSHOT_COLUMNS, conflict: ["portfolio_id", "date"] },
        columns,
        { atomic: false },
      );
      // The cells' marks are replaced (one DELETE over the unnested cell keys, then one INSERT per
      // batch) so a position that exited since the last computation leaves no stale row behind.
      const { written } = await replaceRows(
        tx,
        {
          table: this.t("position_values"),
          columns: POSITION_VALUE_COLUMNS,
          conflict: ["portfolio_id", "date", "position_id"],
          scope: ["portfolio_id", "date"],
        },
        marks,
        { scopeKeys: { portfolio_id: columns.portfolio_id!, date: columns.date! } },
      );
      return { snapshots, positionValues: written };
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

  async replacePositionValues(
    date: string,
    portfolios: readonly { portfolioId: string; marks: readonly PositionMark[] }[],
  ): Promise<number> {
    if (portfolios.length === 0) return 0;
    const columns = emptyColumns();
    for (const { portfolioId, marks } of portfolios) for (const m of marks) pushMark(columns, portfolioId, date, m);
    const { written } = await replaceRows(
      this.db,
      {
        table: this.t("position_values"),
        columns: POSITION_VALUE_COLUMNS,
        conflict: ["portfolio_id", "date", "position_id"],
        scope: ["portfolio_id", "date"],
      },
      columns,
      { scopeKeys: { portfolio_id: portfolios.map((p) => p.portfolioId), date: portfolios.map(() => date) } },
    );
    return written;
  }

  async readPositionValues(portfolioId: string, date: string): Promise<PositionMark[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT ${MARK_SELECT}
         FROM ${this.t("position_values")} v
         LEFT JOIN ${this.t("positions")} p ON p.portfolio_id = v.portfolio_id AND p.position_id = v.position_id
        WHERE v.portfolio_id = $1 AND v.date = $2::date ORDER BY p.ordinal, v.position_id`,
      [portfolioId, date],
    );
    return rows.map(markOf);
  }

  async readReturnSeries(
    portfolioIds: readonly string[],
    startDate: string,
    endDate: string,
  ): Promise<Map<string, { dates: string[]; dailyReturns: number[] }>> {
    const out = new Map<string, { dates: string[]; dailyReturns: number[] }>();
    if (portfolioIds.length === 0) return out;
    const rows = await queryRows<{ portfolio_id: string; date: string; daily_return: number | string | null }>(
      this.db,
      `SELECT portfolio_id::text AS portfolio_id, date::text AS date, daily_return FROM ${this.t("snapshots")}
        WHERE portfolio_id = ANY($1::uuid[]) AND date BETWEEN $2::date AND $3::date ORDER BY portfolio_id, date`,
      [portfolioIds, startDate, endDate],
    );
    for (const r of rows) {
      let series = out.get(r.portfolio_id);
      if (!series) out.set(r.portfolio_id, (series = { dates: [], dailyReturns: [] }));
      series.dates.push(r.date);
      series.dailyReturns.push(r.daily_return === null ? Number.NaN : Number(r.daily_return));
    }
    return out;
  }

  async readPositionValueRange(
    portfolioIds: readonly string[],
    startDate: string,
    endDate: string,
    maxRows: number,
  ): Promise<{ days: DatedMarks[]; complete: boolean }> {
    if (portfolioIds.length === 0) return { days: [], complete: true };
    // Snapshots drive the answer (a date appears iff it has a snapshot, with its nav), marks are
    // left-joined; LIMIT maxRows + 1 detects an over-large answer without a count query. The
    // positions (file order, and the class of a legacy mark without one) are one small second read
    // joined here: joining them in SQL cost a positions lookup per mark (5x the statement's time).
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT s.portfolio_id::text AS portfolio_id, s.date::text AS date, s.nav, ${RANGE_MARK_SELECT}
         FROM ${this.t("snapshots")} s
         LEFT JOIN ${this.t("position_values")} v ON v.portfolio_id = s.portfolio_id AND v.date = s.date
        WHERE s.portfolio_id = ANY($1::uuid[]) AND s.date BETWEEN $2::date AND $3::date
        ORDER BY s.portfolio_id, s.date
        LIMIT $4`,
      [portfolioIds, startDate, endDate, maxRows + 1],
    );
    const positions = await queryRows<{ portfolio_id: string; position_id: string; ordinal: number; investment_class: string | null }>(
      this.db,
      `SELECT portfolio_id::text AS portfolio_id, position_id, ordinal, investment_class FROM ${this.t("positions")}
        WHERE portfolio_id = ANY($1::uuid[])`,
      [portfolioIds],
    );
    const position = new Map(positions.map((p) => [`${p.portfolio_id}|${p.position_id}`, p]));
    const complete = rows.length <= maxRows;
    const days: DatedMarks[] = [];
    let day: DatedMarks | undefined;
    let order: number[] = [];
    const finish = () => {
      if (day) sortMarks(day.marks, order);
    };
    for (const r of complete ? rows : rows.slice(0, maxRows)) {
      const portfolioId = String(r.portfolio_id);
      const date = String(r.date);
      if (!day || day.portfolioId !== portfolioId || day.date !== date) {
        finish();
        day = { portfolioId, date, nav: num(r.nav), marks: [] };
        order = [];
        days.push(day);
      }
      if (r.position_id === null) continue;
      const p = position.get(`${portfolioId}|${String(r.position_id)}`);
      if (r.investment_class === null && p) r.investment_class = p.investment_class;
      day.marks.push(markOf(r));
      // A mark of a position no longer stored sorts last, as NULLS LAST did.
      order.push(p ? p.ordinal : Number.POSITIVE_INFINITY);
    }
    finish();
    return { days, complete };
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
