import { ImportErrorCode } from "@sigma/contracts";

/**
 * One problem of a portfolio CSV import (SPEC §6), shaped like the `ImportError` contract message.
 *
 * `row` is the 1-based line number in the file, comment and blank lines counted; a record whose
 * quoted field spans several lines is reported at the line it starts on. `row` is 0 for problems
 * of the file as a whole (FILE_TOO_LARGE, EMPTY_FILE, NO_POSITIONS). `column` is the canonical
 * header name (e.g. "Entry Price Per Share"), or "" when the problem is not about one column.
 */
export interface ImportProblem {
  readonly row: number;
  readonly column: string;
  readonly code: ImportErrorCode;
  readonly message: string;
}

/**
 * The code used for a record the CSV reader cannot split into fields (an unterminated or stray
 * quote), a record with more non-empty fields than the header has columns, or a header naming the
 * same column twice. The contract has no dedicated code for malformed CSV structure yet; the file
 * is not a well-formed CSV text, which is what INVALID_ENCODING reports, and the message says
 * exactly what is wrong. Kept in one place so a dedicated code can replace it in one line.
 */
export const MALFORMED_CSV_CODE = ImportErrorCode.INVALID_ENCODING;

/** The longest part of an offending value a message ever repeats. */
export const MAX_ECHO_CHARS = 100;

/**
 * Quotes a user-supplied value for a message, cut to {@link MAX_ECHO_CHARS} characters so that a
 * 10 MB cell never ends up in an error response or a log line.
 */
export function echo(value: string): string {
  if (value.length <= MAX_ECHO_CHARS) return JSON.stringify(value);
  // Cut by code points (never half a surrogate pair), looking only at the start of the value.
  const head = Array.from(value.slice(0, 2 * MAX_ECHO_CHARS))
    .slice(0, MAX_ECHO_CHARS)
    .join("");
  return head.length === value.length ? JSON.stringify(value) : `${JSON.stringify(head)}… (${value.length} UTF-16 units in all)`;
}

/** Orders problems by row, then by the column's position in the canonical header, then by code. */
export function compareProblems(columnOrder: (column: string) => number): (a: ImportProblem, b: ImportProblem) => number {
  return (a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column) || a.code - b.code;
}
