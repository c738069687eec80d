/**
 * Throwaway Postgres databases: one fresh database per test run, dropped (even with open
 * connections) afterwards, so e2e runs never see each other's tables.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The local test server's maintenance database (trust auth). */
export const DEFAULT_ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/** A database created by {@link createTestDatabase}. */
export interface TestDatabase {
  /** Database name, `sigma_test_<hex>`. */
  readonly name: string;
  /** Connection URL of the new database (same server and user as the admin URL). */
  readonly url: string;
  /** Drops the database, terminating its open connections (`WITH (FORCE)`, Postgres 13+). Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates an empty database `sigma_test_<16 hex>` on the server of `adminUrl`.
 *
 * @param adminUrl - a URL whose user may CREATE DATABASE (default: local postgres, trust auth).
 * @returns the database and how to drop it.
 * @throws the pg error when the server is unreachable or the user lacks the privilege.
 */
export async function createTestDatabase(
  adminUrl: string = process.env.SIGMA_TEST_DATABASE_URL || DEFAULT_ADMIN_DATABASE_URL,
): Promise<TestDatabase> {
  const name = `sigma_test_${randomBytes(8).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      // The name is ours (hex only), so interpolating it is safe; identifiers cannot be bound.
      await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      dropped = true;
    },
  };
}

async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
