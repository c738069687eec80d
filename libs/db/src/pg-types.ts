/**
 * Column types understood by the bulk helpers and the conversion of JavaScript values into the
 * elements of a Postgres array parameter (`$n::<type>[]`).
 *
 * Null rules (documented contract of every bulk helper):
 * - `undefined` and `null` become SQL NULL for every type.
 * - Numeric types (`float4`, `float8`, `numeric`, `int2`, `int4`, `int8`): `NaN` becomes SQL NULL,
 *   because analytics use NaN for "not enough data" and NULL is what SQL aggregates skip.
 *   `±Infinity` is kept for float types (Postgres stores it) and rejected for integer types.
 *   `-0` is sent as the string `"-0"` so its sign survives (a bare number would print as `0`).
 * - `json`/`jsonb`: `null`/`undefined` become SQL NULL (not the JSON literal `null`); other values are
 *   `JSON.stringify`-ed here, so nested JS arrays are never mistaken for Postgres arrays.
 * - One-dimensional array columns (`float8[]`, `int4[]`, `int2[]`, `bool[]`, `text[]`: packed rows such
 *   as a portfolio-date's betas): the value is an array-like (typed arrays welcome); `null`/`undefined`
 *   is a NULL array. Elements are values, not absences: a `NaN` element stays `NaN` in a `float8[]`
 *   (the packed analytics use it for "not computable"), and null elements are not supported. On the
 *   unnest path an array travels as its literal text (`{1.5,NaN}`) in a `text[]` parameter and is cast
 *   in SQL, because `unnest` cannot yield arrays from a two-dimensional parameter; COPY sends it binary.
 */

/** Postgres types supported as bulk-helper columns (names as accepted in an `::type[]` cast). */
export type PgType =
  | "text"
  | "varchar"
  | "uuid"
  | "date"
  | "timestamp"
  | "timestamptz"
  | "float4"
  | "float8"
  | "numeric"
  | "int2"
  | "int4"
  | "int8"
  | "bool"
  | "json"
  | "jsonb"
  | "bytea"
  | ArrayPgType;

/** One-dimensional array column types (see the null rules above). */
export type ArrayPgType = "float8[]" | "int4[]" | "int2[]" | "bool[]" | "text[]";

/** Whether a column type is an array type. */
export function isArrayPgType(t: PgType): t is ArrayPgType {
  return t.endsWith("[]");
}

/** A column of a bulk write: its name and its Postgres type. */
export interface ColumnSpec {
  readonly name: string;
  readonly pgType: PgType;
}

/** Thrown when a value cannot be represented in its column's Postgres type. */
export class ColumnValueError extends TypeError {
  constructor(
    readonly column: string,
    readonly index: number,
    message: string,
  ) {
    super(`column ${column}[${index}]: ${message}`);
    this.name = "ColumnValueError";
  }
}

/** Converts one JavaScript value into the element sent for its column (null rules above). */
export type Converter = (value: unknown, column: string, index: number) => unknown;

const PG_TYPES: ReadonlySet<string> = new Set<PgType>([
  "text",
  "varchar",
  "uuid",
  "date",
  "timestamp",
  "timestamptz",
  "float4",
  "float8",
  "numeric",
  "int2",
  "int4",
  "int8",
  "bool",
  "json",
  "jsonb",
  "bytea",
  "float8[]",
  "int4[]",
  "int2[]",
  "bool[]",
  "text[]",
]);

/**
 * Checks at run time that a type name is one of {@link PgType}; the name is interpolated into SQL,
 * so this guards against injection through untyped callers.
 *
 * @throws TypeError for an unsupported type name.
 */
export function assertPgType(pgType: string): asserts pgType is PgType {
  if (!PG_TYPES.has(pgType)) throw new TypeError(`unsupported column type ${JSON.stringify(pgType)}`);
}

function describe(value: unknown): string {
  return typeof value === "object" ? Object.prototype.toString.call(value) : `${typeof value} ${String(value)}`;
}

const toFloat: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return Number.isNaN(v) ? null : Object.is(v, -0) ? "-0" : v;
  if (typeof v === "bigint") return v.toString();
  // Strings pass through so exact decimals (e.g. numeric read back from pg) survive untouched.
  if (typeof v === "string") return v;
  throw new ColumnValueError(column, index, `expected a number, got ${describe(v)}`);
};

const toInteger: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") {
    if (Number.isNaN(v)) return null;
    if (!Number.isSafeInteger(v)) {
      throw new ColumnValueError(column, index, `expected a safe integer, got ${v}`);
    }
    return v;
  }
  if (typeof v === "bigint") return v.toString();
  // int8 values come back from pg as strings; accept them so rows can round-trip.
  if (typeof v === "string" && /^-?\d+$/.test(v)) return v;
  throw new ColumnValueError(column, index, `expected an integer, got ${describe(v)}`);
};

const toText: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  throw new ColumnValueError(column, index, `expected a string, got ${describe(v)}`);
};

const toBool: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean") return v;
  throw new ColumnValueError(column, index, `expected a boolean, got ${describe(v)}`);
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

const toDate: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") {
    if (!DATE_ONLY.test(v)) throw new ColumnValueError(column, index, `expected YYYY-MM-DD, got ${v}`);
    return v;
  }
  // A Date is read in UTC: pg would otherwise serialize it in the process's local time zone.
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
  throw new ColumnValueError(column, index, `expected a YYYY-MM-DD string or a valid Date, got ${describe(v)}`);
};

const toTimestamp: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
  if (typeof v === "number" && Number.isFinite(v)) return new Date(v).toISOString();
  throw new ColumnValueError(column, index, `expected an ISO string, epoch ms or valid Date, got ${describe(v)}`);
};

const toJson: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  const s = JSON.stringify(v);
  if (s === undefined) throw new ColumnValueError(column, index, `value is not JSON-serializable (${describe(v)})`);
  return s;
};

const toBytea: Converter = (v, column, index) => {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new ColumnValueError(column, index, `expected a Uint8Array, got ${describe(v)}`);
};

/** A float element as Postgres reads it back exactly: shortest round-trip digits, NaN and ±Infinity spelled. */
function floatElement(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  return Object.is(x, -0) ? "-0" : String(x);
}

function arrayConverter(element: (x: unknown, column: string, index: number) => string): Converter {
  return (v, column, index) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "string" || typeof (v as ArrayLike<unknown>).length !== "number") {
      throw new ColumnValueError(column, index, `expected an array, got ${describe(v)}`);
    }
    const a = v as ArrayLike<unknown>;
    const parts = new Array<string>(a.length);
    for (let i = 0; i < a.length; i++) parts[i] = element(a[i], column, index);
    return `{${parts.join(",")}}`;
  };
}

const floatArray = arrayConverter((x, column, index) => {
  if (typeof x !== "number") throw new ColumnValueError(column, index, `expected number elements, got ${describe(x)}`);
  return floatElement(x);
});

function intArray(lo: number, hi: number): Converter {
  return arrayConverter((x, column, index) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < lo || x > hi) {
      throw new ColumnValueError(column, index, `expected integer elements in [${lo}, ${hi}], got ${describe(x)}`);
    }
    return String(x);
  });
}

const boolArray = arrayConverter((x, column, index) => {
  if (typeof x !== "boolean" && x !== 0 && x !== 1)
    throw new ColumnValueError(column, index, `expected boolean elements, got ${describe(x)}`);
  return x ? "t" : "f";
});

const textArray = arrayConverter((x, column, index) => {
  if (typeof x !== "string") throw new ColumnValueError(column, index, `expected string elements, got ${describe(x)}`);
  return `"${x.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
});

const CONVERTERS: Record<PgType, Converter> = {
  text: toText,
  varchar: toText,
  uuid: toText,
  date: toDate,
  timestamp: toTimestamp,
  timestamptz: toTimestamp,
  float4: toFloat,
  float8: toFloat,
  numeric: toFloat,
  int2: toInteger,
  int4: toInteger,
  int8: toInteger,
  bool: toBool,
  json: toJson,
  jsonb: toJson,
  bytea: toBytea,
  "float8[]": floatArray,
  "int4[]": intArray(-2_147_483_648, 2_147_483_647),
  "int2[]": intArray(-32_768, 32_767),
  "bool[]": boolArray,
  "text[]": textArray,
};

/**
 * Converts `count` values of one column, starting at `start`, into the elements of a Postgres array
 * parameter, applying the null rules of this module. Typed arrays (e.g. `Float64Array`) are accepted.
 *
 * @param column - the column spec (its name is used in error messages).
 * @param values - the column's values (plain or typed array).
 * @param start - first index to convert (inclusive).
 * @param end - last index to convert (exclusive); must be ≤ `values.length`.
 * @returns a fresh plain array of `end - start` elements.
 * @throws ColumnValueError for a value that does not fit the column type (index is absolute).
 */
export function toPgArray(column: ColumnSpec, values: ArrayLike<unknown>, start: number, end: number): unknown[] {
  const convert = CONVERTERS[column.pgType];
  const out = new Array<unknown>(end - start);
  for (let i = start; i < end; i++) out[i - start] = convert(values[i], column.name, i);
  return out;
}

/**
 * The element converter of a column type (the one {@link toPgArray} applies), for encoders that
 * write values one at a time (the COPY path of bulk-copy.ts) and must follow the same null rules.
 *
 * @throws TypeError for an unsupported type name.
 */
export function converterFor(pgType: PgType): Converter {
  assertPgType(pgType);
  return CONVERTERS[pgType];
}
