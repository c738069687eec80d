import { ImportErrorCode } from "@sigma/contracts";
import { echo, type ImportProblem, MALFORMED_CSV_CODE } from "./import-problem.js";

/** The columns of the portfolio CSV header, in SPEC §6 order. */
export const PORTFOLIO_COLUMNS = [
  "Symbol",
  "Quantity",
  "Entry Price Per Share",
  "Entry Date",
  "Investment Class",
  "Investment Subtype",
  "Underlying Symbol",
  "Strike Price",
  "Expiration Date",
  "Option Type",
  "Exit Date",
  "Exit Price Per Share",
] as const;

/** A column of the portfolio CSV. */
export type PortfolioColumn = (typeof PORTFOLIO_COLUMNS)[number];

/** The columns every file must have (the first four). */
export const REQUIRED_COLUMNS: readonly PortfolioColumn[] = PORTFOLIO_COLUMNS.slice(0, 4);

/** Where each known column sits in a file's header. */
export interface HeaderLayout {
  readonly index: ReadonlyMap<PortfolioColumn, number>;
  /** Header cells that name no known column, as written: ignored, and reported to the caller. */
  readonly ignored: readonly string[];
  readonly problems: readonly ImportProblem[];
}

/** Header matching is by name, not position: trimmed, case-insensitive, inner runs of blanks as one space. */
function canonical(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

const BY_CANONICAL = new Map<string, PortfolioColumn>(PORTFOLIO_COLUMNS.map((c) => [canonical(c), c]));

/**
 * Position of a column in the canonical header, for ordering problems: problems of a whole row
 * (column "") come first and names that are not canonical columns last.
 */
export function columnOrder(column: string): number {
  if (column === "") return -1;
  const i = PORTFOLIO_COLUMNS.indexOf(column as PortfolioColumn);
  return i < 0 ? PORTFOLIO_COLUMNS.length : i;
}

/**
 * Maps a header record to column positions. Reports MISSING_COLUMN once per absent required
 * column and a malformed-CSV problem for a column named twice (which of the two to believe is
 * not knowable). Optional columns may be absent; unknown ones are listed in `ignored`.
 */
export function readHeader(row: number, fields: readonly string[]): HeaderLayout {
  const index = new Map<PortfolioColumn, number>();
  const ignored: string[] = [];
  const problems: ImportProblem[] = [];
  fields.forEach((field, i) => {
    const column = BY_CANONICAL.get(canonical(field));
    if (column === undefined) {
      if (field.trim() !== "") ignored.push(field.trim());
      return;
    }
    const first = index.get(column);
    if (first !== undefined) {
      problems.push({
        row,
        column,
        code: MALFORMED_CSV_CODE,
        message: `the header names column "${column}" twice (fields ${first + 1} and ${i + 1}); keep one`,
      });
      return;
    }
    index.set(column, i);
  });
  for (const column of REQUIRED_COLUMNS) {
    if (!index.has(column)) {
      problems.push({
        row,
        column,
        code: ImportErrorCode.MISSING_COLUMN,
        message: `the header has no "${column}" column (required: ${REQUIRED_COLUMNS.join(", ")}); header read: ${echo(fields.join(","))}`,
      });
    }
  }
  return { index, ignored, problems };
}
