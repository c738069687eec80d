/**
 * Input shapes of the bulk helpers: columnar (`{ col: values[] }`, the shape bulk data travels in
 * between services) or an array of row objects. Both are normalized to columnar form once.
 */
import type { ColumnSpec } from "./pg-types.js";

/** Columnar rows: one equally long (plain or typed) array per column. */
export type ColumnarRows = Readonly<Record<string, ArrayLike<unknown>>>;

/**
 * Row objects: one object per row, keyed by column name; a missing property means NULL.
 * Typed as `object` so interface- and class-typed rows (which lack an index signature) are accepted.
 */
export type RowObjects = readonly object[];

/** Either input shape. */
export type RowsInput = ColumnarRows | RowObjects;

/** Normalized columnar data with its row count. */
export interface Columnar {
  readonly columns: ReadonlyMap<string, ArrayLike<unknown>>;
  readonly length: number;
}

/**
 * Normalizes rows to one array per requested column.
 *
 * @param columns - the columns to extract, in statement order.
 * @param rows - columnar data or row objects.
 * @returns the columns and the row count (0 for empty input).
 * @throws TypeError when columnar input lacks a requested column or its arrays differ in length
 *   (a silent NULL-padding by `unnest` would otherwise write wrong rows).
 */
export function toColumnar(columns: readonly ColumnSpec[], rows: RowsInput): Columnar {
  const out = new Map<string, ArrayLike<unknown>>();
  if (Array.isArray(rows)) {
    const objects = rows as RowObjects;
    for (const c of columns) {
      const values = new Array<unknown>(objects.length);
      for (let i = 0; i < objects.length; i++) values[i] = (objects[i] as Record<string, unknown>)[c.name];
      out.set(c.name, values);
    }
    return { columns: out, length: objects.length };
  }
  const data = rows as ColumnarRows;
  let length: number | undefined;
  for (const c of columns) {
    const values = data[c.name];
    if (values === undefined) throw new TypeError(`columnar rows lack column ${c.name}`);
    if (length === undefined) length = values.length;
    else if (values.length !== length) {
      throw new TypeError(`column ${c.name} has ${values.length} values, expected ${length}`);
    }
    out.set(c.name, values);
  }
  return { columns: out, length: length ?? 0 };
}
