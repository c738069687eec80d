/**
 * Where the repository and the shared test data live, resolved from this file so tests work from
 * any current directory.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the monorepo root (the folder holding `libs/` and `services/`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * Absolute path of a file under the shared data folder next to the repository
 * (`<repoRoot>/../shared/data/<rel>`); it is never copied into the repository.
 *
 * @param rel - path below `shared/data`, e.g. "prices/daily_prices.csv".
 */
export function sharedDataPath(rel: string): string {
  return path.resolve(repoRoot, "../shared/data", rel);
}

/** The real daily prices file (long format date,symbol,open,high,low,close,volume). */
export const PRICES_CSV: string = sharedDataPath("prices/daily_prices.csv");
