/**
 * Where the repository and the shared test data live, resolved from this file so tests work from
 * any current directory.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute path of the monorepo root (the folder holding `libs/` and `services/`). */
export const repoRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * The shared folder (spec, real prices): `SIGMA_SHARED_DIR` when set (CI lays it elsewhere), else
 * `shared/` next to the repository. Its files are never copied into the repository.
 *
 * @param env - environment to read (default `process.env`).
 */
export function sharedDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.SIGMA_SHARED_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.resolve(repoRoot, "../shared");
}

/**
 * Absolute path of a file under the shared data folder (`<sharedDir>/data/<rel>`).
 *
 * @param rel - path below `shared/data`, e.g. "prices/daily_prices.csv".
 */
export function sharedDataPath(rel: string): string {
  return path.join(sharedDir(), "data", rel);
}

/** The real daily prices file (long format date,symbol,open,high,low,close,volume). */
export const PRICES_CSV: string = sharedDataPath("prices/daily_prices.csv");
