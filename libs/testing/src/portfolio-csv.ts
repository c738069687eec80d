/**
 * The symbol column of a portfolio CSV (SPEC §6 format), for tests that need a portfolio's
 * universe without the snapshot service's full import.
 */
import { readFile } from "node:fs/promises";

/**
 * Distinct upper-cased symbols of a portfolio CSV, in file order. `#` comment lines and blank
 * lines are skipped; the first remaining line is the header and must contain a `Symbol` column.
 * Fields are split on commas (the portfolio format has no quoted fields).
 *
 * @param text - the CSV text.
 * @throws Error when there is no header or it has no `Symbol` column, or a row has no symbol.
 */
export function parsePortfolioSymbols(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const header = lines.shift();
  if (header === undefined) throw new Error("portfolio CSV has no header line");
  const col = header
    .split(",")
    .map((h) => h.trim())
    .indexOf("Symbol");
  if (col < 0) throw new Error(`portfolio CSV header has no Symbol column: ${header}`);
  const out = new Set<string>();
  lines.forEach((line, i) => {
    const symbol = line.split(",")[col]?.trim();
    if (!symbol) throw new Error(`portfolio CSV data row ${i + 1} has no symbol: ${line}`);
    out.add(symbol.toUpperCase());
  });
  return [...out];
}

/** Reads a portfolio CSV file and returns {@link parsePortfolioSymbols} of it. */
export async function readPortfolioSymbols(file: string): Promise<string[]> {
  return parsePortfolioSymbols(await readFile(file, "utf8"));
}
