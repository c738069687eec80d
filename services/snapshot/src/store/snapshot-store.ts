/**
 * The snapshot service's tables: set-based reads, and writes that replace whole (portfolio, date)
 * rows in one transaction (never a half-written snapshot, never a duplicate on rerun).
 */
import {
  bulkUpsert,
  bulkWrite,
  float8ArrayFromSend,
  queryRows,
  type Queryable,
  replaceRows,
  textArrayFromSend,
  withTransaction,
} from "@sigma/db";
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
  POSITION_MARK_COLUMNS,
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

/** Appends one (portfolio, date)'s marks as a `position_marks` row (parallel arrays) to columnar arrays. */
function pushMarks(columns: Record<string, unknown[]>, portfolioId: string, date: string, marks: readonly PositionMark[]): void {
  // The narrow table's primary key refused a position twice in a day; the packed row keeps that rule.
  const ids = new Set<string>();
  for (const m of marks) {
    if (ids.has(m.positionId)) throw new RangeError(`position ${m.positionId} is marked twice for portfolio ${portfolioId} on ${date}`);
    ids.add(m.positionId);
  }
  columns.portfolio_id!.push(portfolioId);
  columns.date!.push(date);
  columns.position_ids!.push(marks.map((m) => m.positionId));
  columns.symbols!.push(marks.map((m) => m.symbol));
  columns.quantities!.push(Float64Array.from(marks, (m) => m.quantity));
  columns.last_prices!.push(Float64Array.from(marks, (m) => m.lastPrice));
  columns.price_statuses!.push(marks.map((m) => m.priceStatus));
  columns.market_values!.push(Float64Array.from(marks, (m) => m.marketValue));
  columns.unrealized_pnls!.push(Float64Array.from(marks, (m) => m.unrealizedPnl));
  columns.weights!.push(Float64Array.from(marks, (m) => m.weight));
  columns.investment_classes!.push(marks.map((m) => m.positionClass));
}

const emptyColumns = (): Record<string, unknown[]> => Object.fromEntries(POSITION_MARK_COLUMNS.map((c) => [c.name, []]));

/** The packed mark columns every read selects (alias `m`), as binary arrays. */
const MARKS_SELECT = `array_send(m.position_ids) AS position_ids, array_send(m.symbols) AS symbols,
              array_send(m.quantities) AS quantities, array_send(m.last_prices) AS last_prices,
              array_send(m.price_statuses) AS price_statuses, array_send(m.market_values) AS market_values,
              array_send(m.unrealized_pnls) AS unrealized_pnls, array_send(m.weights) AS weights,
              array_send(array_replace(m.investment_classes, NULL, '')) AS investment_classes`;

/** A stored position's file order and class (a legacy mark without a class takes its position's). */
type PositionInfo = { ordinal: number; investment_class: string | null };

/**
 * One `position_marks` row (selected with {@link MARKS_SELECT}) as marks in position file order, then
 * position id; a mark of a position no longer stored sorts last. `positions` is keyed by position id.
 */
function marksOf(r: Record<string, unknown>, positions: ReadonlyMap<string, PositionInfo>): PositionMark[] {
  const ids = textArrayFromSend(r.position_ids as Buffer);
  const symbols = textArrayFromSend(r.symbols as Buffer);
  const quantity = float8ArrayFromSend(r.quantities as Buffer);
  const lastPrice = float8ArrayFromSend(r.last_prices as Buffer);
  const status = textArrayFromSend(r.price_statuses as Buffer);
  const marketValue = float8ArrayFromSend(r.market_values as Buffer);
  const pnl = float8ArrayFromSend(r.unrealized_pnls as Buffer);
  const weight = float8ArrayFromSend(r.weights as Buffer);
  const classes = textArrayFromSend(r.investment_classes as Buffer);
  const marks: PositionMark[] = [];
  const order: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const p = positions.get(ids[i]!);
    // '' is a legacy NULL class (see MARKS_SELECT): the position's class, if it still exists.
    const cls = classes[i] || p?.investment_class || null;
    marks.push({
      positionId: ids[i]!,
      symbol: symbols[i]!,
      // NULL only for a legacy mark whose position no longer exists: shown as UNSPECIFIED at the edge.
      positionClass: (cls ?? "") as PositionClass,
      quantity: quantity[i]!,
      lastPrice: lastPrice[i]!,
      priceStatus: status[i]! as PriceStatus,
      marketValue: marketValue[i]!,
      unrealizedPnl: pnl[i]!,
      weight: weight[i]!,
    });
    order.push(p ? p.ordinal : Number.POSITIVE_INFINITY);
  }
  sortMarks(marks, order);
  return marks;
}

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
    for (const { portfolioId, row } of rows) {
      columns.portfolio_id!.push(portfolioId);
      columns.date!.push(row.date);
      for (const c of [...SNAPSHOT_VALUE_COLUMNS, ...SNAPSHOT_COUNT_COLUMNS]) columns[c]!.push(row[FIELD[c]]);
    }
    return withTransaction(this.db, async (tx) => {
      // Upsert by primary key replaces each (portfolio, date) row whole, inside one transaction.
      const snapshots = await bulkWrite(
        tx,
        { table: this.t("snapshots"), columns: SNAPSHOT_COLUMNS, conflict: ["portfolio_id", "date"] },
        columns,
        { atomic: false },
      );
      const marks = emptyColumns();
      for (const { portfolioId, row, marks: dayMarks } of rows) pushMarks(marks, portfolioId, row.date, dayMarks);
      // The cells' marks are replaced whole (one DELETE over the cell keys, then one COPY of one
      // packed row per cell), so a position that exited since the last computation leaves nothing behind.
      await replaceRows(
        tx,
        {
          table: this.t("position_marks"),
          columns: POSITION_MARK_COLUMNS,
          conflict: ["portfolio_id", "date"],
          scope: ["portfolio_id", "date"],
        },
        marks,
      );
      return { snapshots, positionValues: rows.reduce((n, r) => n + r.marks.length, 0) };
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
    for (const { portfolioId, marks } of portfolios) pushMarks(columns, portfolioId, date, marks);
    await replaceRows(
      this.db,
      {
        table: this.t("position_marks"),
        columns: POSITION_MARK_COLUMNS,
        conflict: ["portfolio_id", "date"],
        scope: ["portfolio_id", "date"],
      },
      columns,
    );
    return portfolios.reduce((n, p) => n + p.marks.length, 0);
  }

  async readPositionValues(portfolioId: string, date: string): Promise<PositionMark[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT ${MARKS_SELECT} FROM ${this.t("position_marks")} m WHERE m.portfolio_id = $1 AND m.date = $2::date`,
      [portfolioId, date],
    );
    if (rows.length === 0) return [];
    return marksOf(rows[0]!, (await this.positionInfo([portfolioId])).get(portfolioId) ?? new Map());
  }

  /** Per portfolio: position id → file order and class (one small read for the marks' order). */
  private async positionInfo(portfolioIds: readonly string[]): Promise<Map<string, Map<string, PositionInfo>>> {
    const rows = await queryRows<{ portfolio_id: string; position_id: string; ordinal: number; investment_class: string | null }>(
      this.db,
      `SELECT portfolio_id::text AS portfolio_id, position_id, ordinal, investment_class FROM ${this.t("positions")}
        WHERE portfolio_id = ANY($1::uuid[])`,
      [portfolioIds],
    );
    const out = new Map<string, Map<string, PositionInfo>>();
    for (const r of rows) {
      let m = out.get(r.portfolio_id);
      if (!m) out.set(r.portfolio_id, (m = new Map()));
      m.set(r.position_id, { ordinal: Number(r.ordinal), investment_class: r.investment_class });
    }
    return out;
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
    // Snapshots drive the answer (a date appears iff it has a snapshot, with its nav), each joined to
    // its one packed marks row (binary arrays). The cap counts marks (a day without marks counts 1),
    // as the one-row-per-mark answer did: a running sum over the ordered rows stops at maxRows + 1,
    // which detects an over-large answer without a count query.
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT * FROM (
         SELECT s.portfolio_id::text AS portfolio_id, s.date::text AS date, s.nav, ${MARKS_SELECT},
                greatest(coalesce(cardinality(m.position_ids), 0), 1) AS n_rows,
                sum(greatest(coalesce(cardinality(m.position_ids), 0), 1)) OVER (ORDER BY s.portfolio_id, s.date) AS upto
           FROM ${this.t("snapshots")} s
           LEFT JOIN ${this.t("position_marks")} m ON m.portfolio_id = s.portfolio_id AND m.date = s.date
          WHERE s.portfolio_id = ANY($1::uuid[]) AND s.date BETWEEN $2::date AND $3::date) r
        WHERE r.upto - r.n_rows < $4
        ORDER BY r.upto`,
      [portfolioIds, startDate, endDate, maxRows + 1],
    );
    const positions = await this.positionInfo(portfolioIds);
    const complete = rows.length === 0 || Number(rows.at(-1)!.upto) <= maxRows;
    const days: DatedMarks[] = [];
    let total = 0;
    for (const r of rows) {
      const portfolioId = String(r.portfolio_id);
      const marks = r.position_ids === null ? [] : marksOf(r, positions.get(portfolioId) ?? new Map());
      total += Math.max(marks.length, 1);
      // An incomplete answer stops at the cap, as before (the caller refuses it anyway).
      if (total > maxRows) break;
      days.push({ portfolioId, date: String(r.date), nav: num(r.nav), marks });
    }
    return { days, complete };
  }

  async latestPositionValueDate(portfolioId: string, onOrBefore: string): Promise<string> {
    const [row] = await queryRows<{ d: string | null }>(
      this.db,
      `SELECT max(date)::text AS d FROM ${this.t("position_marks")} WHERE portfolio_id = $1 AND date <= $2::date`,
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
        positionValues: Number(
          (
            await queryRows<{ n: number }>(
              tx,
              `SELECT coalesce(sum(cardinality(position_ids)), 0)::int AS n FROM ${this.t("position_marks")} WHERE portfolio_id = $1`,
              [portfolioId],
            )
          )[0]?.n ?? 0,
        ),
      };
      await queryRows(tx, `DELETE FROM ${this.t("portfolios")} WHERE id = $1`, [portfolioId]);
      return counts;
    });
  }
}
