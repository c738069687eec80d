/**
 * Column layout of the factor service's tables (pure; shared by the migration, the store and the
 * benchmark's floor so they can never disagree).
 *
 * Layout choice: ONE wide row per (symbol, date) holding all 12 factors as 4 columns each
 * (`<factor>_beta`, `<factor>_r2`, `<factor>_n_obs`, `<factor>_quality`), not one narrow row per
 * (symbol, date, factor). Every write and read touches all factors of a symbol-date together, and
 * the wide layout writes 12× fewer tuples (303k instead of 3.6M for a 1,193-symbol × 254-date
 * backfill), saving per-tuple header, index entry and key overhead; scripts/bench-factors.ts measures
 * both layouts. An absent factor (skipped) is NULL in all four of its columns.
 */
import type { ColumnSpec } from "@sigma/db";
import { FACTOR_IDS, METRIC_KEYS, type FactorId } from "../domain/index.js";

/** The four stored columns of one factor. */
export interface FactorColumns {
  beta: string;
  r2: string;
  nObs: string;
  quality: string;
}

/** Column names of factor `f` in the wide table. */
export function factorColumns(f: FactorId): FactorColumns {
  return { beta: `${f}_beta`, r2: `${f}_r2`, nObs: `${f}_n_obs`, quality: `${f}_quality` };
}

/** Every column of `symbol_factors`, in write order (key columns first). */
export const SYMBOL_FACTOR_COLUMNS: readonly ColumnSpec[] = [
  { name: "symbol", pgType: "text" },
  { name: "date", pgType: "date" },
  ...FACTOR_IDS.flatMap((f): ColumnSpec[] => {
    const c = factorColumns(f);
    return [
      { name: c.beta, pgType: "float8" },
      { name: c.r2, pgType: "float8" },
      { name: c.nObs, pgType: "int4" },
      { name: c.quality, pgType: "int2" },
    ];
  }),
];

/** Every column of `symbol_metrics`, in write order (key columns first); metric columns are the JSON keys. */
export const SYMBOL_METRIC_COLUMNS: readonly ColumnSpec[] = [
  { name: "symbol", pgType: "text" },
  { name: "date", pgType: "date" },
  ...METRIC_KEYS.map((k): ColumnSpec => ({ name: k, pgType: "float8" })),
];

/** SQL column definitions (after the key) of a CREATE TABLE for the given columns. */
export function columnDdl(columns: readonly ColumnSpec[]): string {
  return columns
    .filter((c) => c.name !== "symbol" && c.name !== "date")
    .map((c) => `${c.name} ${c.pgType}`)
    .join(",\n        ");
}
