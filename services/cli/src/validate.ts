import { isIsoDate } from "@sigma/calendar";
import { UsageError } from "./output.js";

/**
 * Option checks done before any call, so a typo is reported against what the user typed (`--from`)
 * with exit code 2, never as a server field name or a serialisation error.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A real calendar date "YYYY-MM-DD" given as `name` (`--from`, `SIGMA_AS_OF`). */
export function parseDate(value: string, name: string): string {
  if (!isIsoDate(value)) throw new UsageError(`${name}: not a YYYY-MM-DD date: "${value}"`);
  return value;
}

/** An inclusive date range given as `fromName` / `toName`; `from` must not be after `to`. */
export function parseRange(from: string, to: string, fromName: string, toName: string): { from: string; to: string } {
  parseDate(from, fromName);
  parseDate(to, toName);
  if (from > to) throw new UsageError(`${fromName} ${from} is after ${toName} ${to}`);
  return { from, to };
}

/** A whole number ≥ 0 given as `name` (`--limit`). */
export function parseCount(value: string, name: string): number {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${name}: not a whole number ≥ 0: "${value}"`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n > 2_147_483_647) throw new UsageError(`${name}: too large: "${value}"`);
  return n;
}

/** A run id (a UUID, as `sigma runs` prints them). */
export function parseRunId(value: string): string {
  if (!UUID.test(value)) throw new UsageError(`not a run id: "${value}" (run ids are UUIDs; \`sigma runs\` lists them)`);
  return value.toLowerCase();
}

/** A portfolio id (a UUID, as `sigma portfolios list` prints them). */
export function parsePortfolioId(value: string, name = "PORTFOLIO"): string {
  if (!UUID.test(value))
    throw new UsageError(`${name}: not a portfolio id: "${value}" (portfolio ids are UUIDs; \`sigma portfolios list\` lists them)`);
  return value.toLowerCase();
}

/** A finite amount of money > 0 given as `name` (`--equity`). */
export function parseAmount(value: string, name: string): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: not an amount > 0: "${value}"`);
  return n;
}

/** The symbols as the services normalize them (comma or space separated, upper-cased, `.` → `-`), at least one. */
export function parseSymbols(list: string, name: string): string[] {
  const symbols = [
    ...new Set(
      list
        .split(/[,\s]+/)
        .filter(Boolean)
        .map((s) => s.toUpperCase().replaceAll(".", "-")),
    ),
  ];
  if (symbols.length === 0) throw new UsageError(`${name}: no symbols given`);
  // The market-data service's symbol shape (1-20 of A-Z, 0-9, ".", "_", "-"), after normalization.
  const bad = symbols.filter((s) => !/^[A-Z0-9_-]{1,20}$/.test(s));
  if (bad.length > 0) throw new UsageError(`${name}: not a symbol: ${bad.map((s) => `"${s}"`).join(", ")}`);
  return symbols;
}
