/**
 * SQL identifier helpers. Table, column and schema names are interpolated into SQL text (they cannot
 * be bind parameters), so every name goes through `quoteIdent` and schema names are additionally
 * restricted to a conservative pattern.
 */

/** Lower-case Postgres identifier without quoting surprises: letter/underscore start, ≤ 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Double-quotes one SQL identifier, doubling embedded quotes (the Postgres escaping rule).
 *
 * @param name - a raw identifier, e.g. `close_price`; must be non-empty and contain no NUL byte.
 * @returns the quoted identifier, e.g. `"close_price"`.
 * @throws TypeError when the name is empty or contains a NUL byte.
 */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes("\u0000")) {
    throw new TypeError(`invalid SQL identifier ${JSON.stringify(name)}`);
  }
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a possibly schema-qualified name such as `marketdata.daily_prices`.
 * Each dot-separated part is quoted separately, so names containing dots are not supported.
 *
 * @param qualified - `table` or `schema.table`.
 * @returns e.g. `"marketdata"."daily_prices"`.
 * @throws TypeError on an empty part or more than two parts.
 */
export function quoteQualified(qualified: string): string {
  const parts = qualified.split(".");
  if (parts.length > 2) throw new TypeError(`invalid qualified name ${JSON.stringify(qualified)}`);
  return parts.map(quoteIdent).join(".");
}

/**
 * Validates a service schema name. Only lower-case names are accepted because Postgres folds unquoted
 * identifiers to lower case: a mixed-case schema would have to be quoted in every hand-written migration.
 *
 * @param schema - e.g. `marketdata` or `test_1a2b3c`.
 * @returns the same name, for chaining.
 * @throws TypeError when the name does not match `^[a-z_][a-z0-9_]{0,62}$`.
 */
export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new TypeError(`invalid schema name ${JSON.stringify(schema)}: expected ${SCHEMA_NAME.source}`);
  }
  return schema;
}
