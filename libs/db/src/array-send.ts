/**
 * Decoders of Postgres' binary array format, as `array_send(col)` returns it (read by pg as a bytea
 * Buffer). Reading a packed float8[] as text costs a decimal parse per element on the client (and a
 * shortest-round-trip print per element on the server); binary is 8 bytes per element and bit-exact.
 * Use: `SELECT array_send(betas) AS betas ...`, then `float8ArrayFromSend(row.betas)`. Pure.
 *
 * Layout: int32 ndim (0 = empty), int32 has-nulls flag, int32 element oid, per dimension int32 size
 * and int32 lower bound, then per element int32 length (-1 = NULL) and that many bytes, big-endian.
 */

const OID = { bool: 16, int4: 23, text: 25, float8: 701 } as const;

/** Header of a one-dimensional array: element count and offset of the first element. */
function header(b: Buffer, oid: number, what: string): { n: number; offset: number } {
  if (!Buffer.isBuffer(b) || b.length < 12)
    throw new RangeError(`${what} binary value: expected a Buffer from array_send, got ${typeof b}`);
  const ndim = b.readInt32BE(0);
  if (ndim === 0) return { n: 0, offset: 12 };
  const got = b.readInt32BE(8);
  if (ndim !== 1 || got !== oid)
    throw new RangeError(`expected a one-dimensional ${what} (oid ${oid}), got ${ndim} dimension(s) of oid ${got}`);
  return { n: b.readInt32BE(12), offset: 20 };
}

/**
 * A float8[] as a Float64Array; NULL elements become NaN, NaN and -0 are kept bit-exact.
 * @throws RangeError for another element type, more than one dimension or a non-Buffer value.
 */
export function float8ArrayFromSend(b: Buffer): Float64Array {
  const { n, offset } = header(b, OID.float8, "float8[]");
  const out = new Float64Array(n);
  let o = offset;
  for (let i = 0; i < n; i++) {
    const len = b.readInt32BE(o);
    o += 4;
    if (len === -1) out[i] = Number.NaN;
    else {
      out[i] = b.readDoubleBE(o);
      o += 8;
    }
  }
  return out;
}

/**
 * An int4[] as an Int32Array.
 * @throws RangeError for a NULL element (no integer stands for it), another type or shape.
 */
export function int4ArrayFromSend(b: Buffer): Int32Array {
  const { n, offset } = header(b, OID.int4, "int4[]");
  const out = new Int32Array(n);
  let o = offset;
  for (let i = 0; i < n; i++) {
    if (b.readInt32BE(o) === -1) throw new RangeError(`int4[] element ${i} is NULL`);
    out[i] = b.readInt32BE(o + 4);
    o += 8;
  }
  return out;
}

/**
 * A text[] as strings (UTF-8).
 * @throws RangeError for a NULL element, another type or shape.
 */
export function textArrayFromSend(b: Buffer): string[] {
  const { n, offset } = header(b, OID.text, "text[]");
  const out = new Array<string>(n);
  let o = offset;
  for (let i = 0; i < n; i++) {
    const len = b.readInt32BE(o);
    if (len === -1) throw new RangeError(`text[] element ${i} is NULL`);
    out[i] = b.toString("utf8", o + 4, o + 4 + len);
    o += 4 + len;
  }
  return out;
}

/**
 * A bool[] as 1/0 bytes.
 * @throws RangeError for a NULL element, another type or shape.
 */
export function boolArrayFromSend(b: Buffer): Uint8Array {
  const { n, offset } = header(b, OID.bool, "bool[]");
  const out = new Uint8Array(n);
  let o = offset;
  for (let i = 0; i < n; i++) {
    if (b.readInt32BE(o) === -1) throw new RangeError(`bool[] element ${i} is NULL`);
    out[i] = b[o + 4]! ? 1 : 0;
    o += 5;
  }
  return out;
}
