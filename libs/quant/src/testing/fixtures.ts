/**
 * Test support (reads local files; never imported by the library itself): the real price file aligned to
 * its SPY calendar, the reference vectors and a tolerance check. Exposed as `@sigma/quant/testing`.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** Repository root (/work/main): libs/quant/src/testing → four levels up. */
export const REPO_ROOT = path.resolve(HERE, "../../../..");
/** The shared real price file (SIGMA_SHARED_DIR aware; never copied into the repo). */
import { PRICES_CSV } from "@sigma/testing/paths";

export { PRICES_CSV };
const VECTORS_DIR = path.resolve(HERE, "../../test/vectors");

/** Closes aligned to a calendar. */
export interface PricePanel {
  dates: string[];
  closes: Map<string, Float64Array>;
}

let cached: PricePanel | undefined;

/**
 * Load daily_prices.csv (long format) aligned to the calendar of SPY dates, NaN for missing closes.
 * Cached per process.
 */
export function loadPricePanel(): PricePanel {
  if (cached) return cached;
  const lines = readFileSync(PRICES_CSV, "utf8").trim().split("\n");
  const header = lines[0]!.split(",");
  const iDate = header.indexOf("date");
  const iSym = header.indexOf("symbol");
  const iClose = header.indexOf("close");
  const bySym = new Map<string, Map<string, number>>();
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.split(",");
    const sym = f[iSym]!;
    let m = bySym.get(sym);
    if (!m) bySym.set(sym, (m = new Map()));
    m.set(f[iDate]!, Number(f[iClose]));
  }
  const spy = bySym.get("SPY");
  if (!spy) throw new Error("price file has no SPY");
  const dates = [...spy.keys()].sort();
  const closes = new Map<string, Float64Array>();
  for (const [sym, m] of bySym)
    closes.set(
      sym,
      Float64Array.from(dates, (d) => m.get(d) ?? NaN),
    );
  cached = { dates, closes };
  return cached;
}

/** Parse a reference-vector JSON file of libs/quant/test/vectors. */
export function loadVectors<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(VECTORS_DIR, name), "utf8")) as T;
}

/** Tolerance rule of the vectors: |actual − expected| ≤ abs + rel·|expected|. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/**
 * Throw an AssertionError-like Error when actual is not within tolerance of expected.
 * null/NaN expected requires NaN actual.
 */
export function assertClose(actual: number, expected: number | null, tol: Tolerance, what: string): void {
  if (expected === null || Number.isNaN(expected)) {
    if (!Number.isNaN(actual)) throw new Error(`${what}: expected null/NaN, got ${actual}`);
    return;
  }
  const err = Math.abs(actual - expected);
  if (!(err <= tol.abs + tol.rel * Math.abs(expected))) {
    throw new Error(`${what}: got ${actual}, expected ${expected} (|diff| ${err.toExponential(2)})`);
  }
}
