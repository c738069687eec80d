/**
 * Column layout of the snapshot service's tables (pure; shared by the migration and the store so they
 * can never disagree). Snapshot columns are the JSON keys of `sigma snapshots --json`.
 */
import type { ColumnSpec } from "@sigma/db";

/** Money and ratio fields of a snapshot row, in storage order (float8, NULL = not computable). */
export const SNAPSHOT_VALUE_COLUMNS = [
  "nav",
  "cash",
  "long_value",
  "short_value",
  "gross_exposure",
  "net_exposure",
  "daily_pnl",
  "daily_return",
  "cumulative_pnl",
  "options_delta_dollars",
  "hhi",
  "effective_num_positions",
  "top_3_concentration",
  "top_10_concentration",
] as const;

/** Count fields of a snapshot row (int4). */
export const SNAPSHOT_COUNT_COLUMNS = [
  "num_positions",
  "num_long",
  "num_short",
  "num_stale",
  "num_model_priced",
  "num_unpriced",
  "num_private",
  "num_quoted",
] as const;

export type SnapshotValueColumn = (typeof SNAPSHOT_VALUE_COLUMNS)[number];
export type SnapshotCountColumn = (typeof SNAPSHOT_COUNT_COLUMNS)[number];

/** Every column of `snapshots`, key first. */
export const SNAPSHOT_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  ...SNAPSHOT_VALUE_COLUMNS.map((name): ColumnSpec => ({ name, pgType: "float8" })),
  ...SNAPSHOT_COUNT_COLUMNS.map((name): ColumnSpec => ({ name, pgType: "int4" })),
];

/** Every column of `positions`, key first. */
export const POSITION_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "ordinal", pgType: "int4" },
  { name: "position_id", pgType: "text" },
  { name: "symbol", pgType: "text" },
  { name: "quantity", pgType: "float8" },
  { name: "entry_price", pgType: "float8" },
  { name: "entry_date", pgType: "date" },
  { name: "investment_class", pgType: "text" },
  { name: "investment_subtype", pgType: "text" },
  { name: "underlying_symbol", pgType: "text" },
  { name: "strike_price", pgType: "float8" },
  { name: "expiration_date", pgType: "date" },
  { name: "option_type", pgType: "text" },
  { name: "exit_date", pgType: "date" },
  { name: "exit_price", pgType: "float8" },
];

/**
 * The columns `position_values` was created with (SnapshotInit1700000000200). Frozen: the applied
 * migration's DDL must never change; later columns are added by later migrations.
 */
export const POSITION_VALUE_INIT_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  { name: "position_id", pgType: "text" },
  { name: "symbol", pgType: "text" },
  { name: "quantity", pgType: "float8" },
  { name: "last_price", pgType: "float8" },
  { name: "price_status", pgType: "text" },
  { name: "market_value", pgType: "float8" },
  { name: "unrealized_pnl", pgType: "float8" },
  { name: "weight", pgType: "float8" },
];

/**
 * Every column of `position_values`, key first: the initial ones plus `investment_class` (added by
 * SnapshotPositionValueClass1700000000201; "public" | "options" | "private" as in `positions`).
 */
export const POSITION_VALUE_COLUMNS: readonly ColumnSpec[] = [...POSITION_VALUE_INIT_COLUMNS, { name: "investment_class", pgType: "text" }];

/**
 * Every column of `position_marks` (SnapshotPackedMarks1700000000202): one row per (portfolio, date)
 * holding that date's marks as parallel arrays, element i being one position. Replaced
 * `position_values` (one row per position-date): a universe night wrote 20 rows and 20 index
 * entries per portfolio-date there, and the risk phases read them back one row each.
 */
export const POSITION_MARK_COLUMNS: readonly ColumnSpec[] = [
  { name: "portfolio_id", pgType: "uuid" },
  { name: "date", pgType: "date" },
  { name: "position_ids", pgType: "text[]" },
  { name: "symbols", pgType: "text[]" },
  { name: "quantities", pgType: "float8[]" },
  { name: "last_prices", pgType: "float8[]" },
  { name: "price_statuses", pgType: "text[]" },
  { name: "market_values", pgType: "float8[]" },
  { name: "unrealized_pnls", pgType: "float8[]" },
  { name: "weights", pgType: "float8[]" },
  { name: "investment_classes", pgType: "text[]" },
];

/** SQL column definitions of a CREATE TABLE for `columns`, skipping the named key columns. */
export function columnDdl(columns: readonly ColumnSpec[], skip: readonly string[]): string {
  return columns
    .filter((c) => !skip.includes(c.name))
    .map((c) => `${c.name} ${c.pgType}`)
    .join(",\n        ");
}
