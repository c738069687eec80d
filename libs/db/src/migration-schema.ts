import type { QueryRunner } from "typeorm";
import { quoteIdent } from "./identifiers.js";

/**
 * The quoted schema a migration runs in: the `schema` of the DataSource that runs it (each
 * service owns one schema). Migrations qualify every table with it, because `search_path` is not
 * set (on embedded PGlite all connections share one session).
 *
 * @returns e.g. `"market_data"`; `"public"` when the DataSource has no schema.
 */
export function migrationSchema(q: QueryRunner): string {
  return quoteIdent((q.connection.options as { schema?: string }).schema ?? "public");
}
