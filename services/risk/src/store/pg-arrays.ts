/**
 * Postgres array literals for packed rows. The bulk writes send one text[] parameter per array column
 * (each element an array literal, cast in SQL), so a whole chunk of packed rows is one `unnest` statement.
 * Floats use JavaScript's shortest round-trip form (Postgres ≥ 12 parses and prints floats exactly), NaN
 * and ±Infinity as Postgres spells them.
 */

import { float8ArrayFromSend } from "@sigma/db";

function float(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  return String(x);
}

/** `{1.5,NaN,-2}` for a float8[] column. */
export function floatArrayLiteral(a: ArrayLike<number>): string {
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = float(a[i]!);
  return `{${parts.join(",")}}`;
}

/** `{1,0,3}` for an int4[] column. */
export function intArrayLiteral(a: ArrayLike<number>): string {
  return `{${Array.from(a, (x) => String(Math.trunc(x))).join(",")}}`;
}

/** `{t,f}` for a bool[] column (truthy = t). */
export function boolArrayLiteral(a: ArrayLike<number | boolean>): string {
  return `{${Array.from(a, (x) => (x ? "t" : "f")).join(",")}}`;
}

/** `{"a","b \"c\""}` for a text[] column (every element quoted and escaped). */
export function textArrayLiteral(a: readonly string[]): string {
  return `{${a.map((s) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`).join(",")}}`;
}

/**
 * A float8[] value as read by pg, as a Float64Array: `array_send(col)` (a Buffer, the fast path) or
 * the column itself (number[]; NaN kept).
 */
export function floats(v: unknown): Float64Array {
  if (Buffer.isBuffer(v)) return float8ArrayFromSend(v);
  return Float64Array.from((v as (number | string | null)[]) ?? [], (x) => (x === null ? Number.NaN : Number(x)));
}
