/**
 * Reading a CSV file with a header into rows addressed by column name, through `csv-parse` (RFC 4180
 * quoting, a UTF-8 byte-order mark, CRLF or LF line ends). Shared by every CSV input of Sigma (the price
 * file; the portfolio import follows the same approach): the header names the columns, matched
 * case-insensitively after trimming and in any order; each row keeps its 1-based line number so every
 * error names `file:line`.
 *
 * Only the layout is checked here (header, field count, quoting); what a field must contain is the
 * caller's business.
 */
import { CsvError, parse } from "csv-parse/sync";

/** A malformed CSV file; `line` is 1-based (the header is line 1). */
export class CsvFormatError extends Error {
  override readonly name = "CsvFormatError";
  constructor(
    readonly file: string,
    readonly line: number,
    detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

/** What {@link readCsvTable} needs to know about the file. */
export interface CsvTableOptions {
  /** Names the file in error messages (e.g. its path). */
  readonly source: string;
  /** Column names that must be present (lower case). */
  readonly required: readonly string[];
  /** Lines whose first character is this are comments and skipped (e.g. "#"); none by default. */
  readonly comment?: string;
}

/** One data row: its fields in file order and the line it starts on. */
export interface CsvTableRow {
  readonly line: number;
  readonly fields: readonly string[];
}

/** A parsed file: lower-cased, trimmed header names and their column indexes, and the data rows. */
export interface CsvTable {
  readonly header: readonly string[];
  /** Column name -> index, for every header column (the first one wins when a name repeats). */
  readonly columns: ReadonlyMap<string, number>;
  readonly rows: readonly CsvTableRow[];
}

/**
 * Checks a header record and indexes its columns.
 * @throws CsvFormatError (line 1) naming the first required column that is missing.
 */
export function indexHeader(record: readonly string[], options: CsvTableOptions): { header: string[]; columns: Map<string, number> } {
  const header = record.map((h) => h.trim().toLowerCase());
  const columns = new Map<string, number>();
  header.forEach((name, i) => {
    if (!columns.has(name)) columns.set(name, i);
  });
  for (const name of options.required) {
    if (!columns.has(name)) throw new CsvFormatError(options.source, 1, `header lacks column "${name}" (got: ${header.join(",")})`);
  }
  return { header, columns };
}

/**
 * Parses CSV text with a header line. Blank lines (also lines of blanks only) are skipped; every
 * other row must have at least as many fields as the header has up to its last required column.
 * @param text - the whole file (a leading byte-order mark is dropped).
 * @throws CsvFormatError for an empty file, a missing required column, a short row or broken quoting,
 *   naming the line.
 */
export function readCsvTable(text: string, options: CsvTableOptions): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    // With `info: true` every record comes as { record, info }; the typings only know string[][].
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      comment: options.comment,
      comment_no_infix: options.comment !== undefined,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    if (err instanceof CsvError) {
      const line = Number((err as CsvError & { lines?: number }).lines) || 1;
      throw new CsvFormatError(options.source, line, err.message);
    }
    throw err;
  }
  const first = records[0];
  if (!first) throw new CsvFormatError(options.source, 1, "the file is empty (a header line is required)");
  const { header, columns } = indexHeader(first.record, options);
  const minFields = Math.max(0, ...options.required.map((name) => columns.get(name)! + 1));
  const rows: CsvTableRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const { record, info } = records[r]!;
    if (record.every((f) => f.trim() === "")) continue;
    // info.lines is the line the record ends on; a quoted field may span lines.
    let line = info.lines;
    for (const f of record) if (f.includes("\n")) line -= f.split("\n").length - 1;
    if (record.length < minFields)
      throw new CsvFormatError(options.source, line, `expected at least ${minFields} fields, got ${record.length}`);
    rows.push({ line, fields: record });
  }
  return { header, columns, rows };
}
