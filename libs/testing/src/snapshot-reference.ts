/**
 * The independent phase 2 / 2.5 reference (services/snapshot/test/vectors/snapshots.json, made by
 * make_snapshot_vectors.py with pandas/scipy) and the one comparison every layer uses: the pure
 * engine, the snapshot service and the CLI over six processes.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./paths.js";

/** Money fields (dollars): equal within 1e-6 × NAV of the date. */
export const SNAPSHOT_MONEY_FIELDS = [
  "nav",
  "cash",
  "long_value",
  "short_value",
  "gross_exposure",
  "net_exposure",
  "daily_pnl",
  "cumulative_pnl",
  "options_delta_dollars",
] as const;
/** Ratio fields: equal within 1e-9 (relative above 1). */
export const SNAPSHOT_RATIO_FIELDS = [
  "daily_return",
  "hhi",
  "effective_num_positions",
  "top_3_concentration",
  "top_10_concentration",
] as const;
/** Count fields: exact. */
export const SNAPSHOT_COUNT_FIELDS = [
  "num_positions",
  "num_long",
  "num_short",
  "num_stale",
  "num_model_priced",
  "num_unpriced",
  "num_private",
  "num_quoted",
] as const;

/** One portfolio of the reference: snapshots on every date and the position values on the last one. */
export interface PortfolioReference {
  first_date: string;
  snapshots: Record<string, number | string | null>[];
  positions: Record<string, number | string>[];
}

/** The reference file: the three sample portfolios by file name (without .csv). */
export interface SnapshotReference {
  portfolios: Record<string, PortfolioReference>;
}

/** Reads services/snapshot/test/vectors/snapshots.json. */
export function loadSnapshotReference(): SnapshotReference {
  return JSON.parse(readFileSync(path.join(repoRoot, "services/snapshot/test/vectors/snapshots.json"), "utf8")) as SnapshotReference;
}

/** A snake_case view of a camelCase row (`longValue` → `long_value`, `top3Concentration` → `top_3_concentration`). */
export function snakeCaseKeys(row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k.replace(/([A-Z]|\d+)/g, (m) => `_${m.toLowerCase()}`), v]));
}

/** NaN (engine), null (JSON) and undefined all mean "not computable". */
function absent(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

/**
 * Asserts that `got` (snake_case rows, in date order) equals the reference snapshots field by field.
 *
 * @returns the number of values compared (dates × fields).
 */
export function assertSnapshotsMatch(
  got: readonly Record<string, unknown>[],
  want: PortfolioReference["snapshots"],
  label: string,
): number {
  assert.equal(got.length, want.length, `${label}: snapshot count`);
  let compared = 0;
  got.forEach((row, k) => {
    const w = want[k]!;
    assert.equal(row.date, w.date, `${label}: date #${k}`);
    const nav = w.nav as number;
    for (const key of [...SNAPSHOT_MONEY_FIELDS, ...SNAPSHOT_RATIO_FIELDS]) {
      const e = w[key];
      const g = row[key];
      if (e === null) assert.ok(absent(g), `${label} ${w.date} ${key}: expected null, got ${g}`);
      else {
        const tol = (SNAPSHOT_MONEY_FIELDS as readonly string[]).includes(key)
          ? 1e-6 * Math.abs(nav)
          : 1e-9 * Math.max(1, Math.abs(e as number));
        assert.ok(Math.abs((g as number) - (e as number)) <= tol, `${label} ${w.date} ${key}: ${g} vs ${e}`);
      }
      compared++;
    }
    for (const key of SNAPSHOT_COUNT_FIELDS) {
      assert.equal(row[key], w[key], `${label} ${w.date} ${key}`);
      compared++;
    }
  });
  return compared;
}

/**
 * Asserts that `got` (snake_case position values on the last date, in file order) equals the
 * reference: symbol and price status exact, money within 1e-6 × `nav`, weight within 1e-9.
 */
export function assertPositionsMatch(
  got: readonly Record<string, unknown>[],
  want: PortfolioReference["positions"],
  nav: number,
  label: string,
): void {
  assert.equal(got.length, want.length, `${label}: position count`);
  got.forEach((p, k) => {
    const w = want[k]!;
    assert.equal(p.symbol, w.symbol, `${label}: position #${k}`);
    assert.equal(p.price_status, w.price_status, `${label} ${w.symbol} price_status`);
    for (const key of ["market_value", "unrealized_pnl"]) {
      assert.ok(Math.abs((p[key] as number) - (w[key] as number)) <= 1e-6 * nav, `${label} ${w.symbol} ${key}: ${p[key]} vs ${w[key]}`);
    }
    assert.ok(Math.abs((p.weight as number) - (w.weight as number)) <= 1e-9, `${label} ${w.symbol} weight: ${p.weight} vs ${w.weight}`);
  });
}
