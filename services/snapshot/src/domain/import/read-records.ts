import { parse } from "csv-parse/sync";
import { echo, type ImportProblem, MALFORMED_CSV_CODE } from "./import-problem.js";
import { splitLines } from "./decode-utf8.js";

/** One CSV record (the header or a data row) split into fields. */
export interface CsvRecord {
  /** 1-based line number of the record's first line. */
  readonly row: number;
  /** 1-based line number of its last line (greater than `row` only when a quoted field holds a line break). */
  readonly lastRow: number;
  readonly fields: readonly string[];
}

/** The records of a CSV text and the records that could not be read. */
export interface CsvRecords {
  readonly records: readonly CsvRecord[];
  readonly problems: readonly ImportProblem[];
}

interface Frame {
  readonly row: number;
  readonly lastRow: number;
  readonly text: string;
  readonly unterminated: boolean;
}

/** A line that holds nothing but whitespace and commas (what spreadsheets write for an empty row). */
const BLANK_LINE = /^[\s,]*$/;

const CSV_OPTIONS = { relax_column_count: true, trim: true, record_delimiter: "\n" } as const;

/**
 * Splits a decoded CSV text into records with their line numbers (SPEC §6).
 *
 * Lines whose first non-blank character is `#` are comments and lines of only whitespace and
 * commas are blank; both are skipped but counted in the line numbers. Fields are split by
 * csv-parse (quotes, doubled quotes, line breaks inside quotes, CRLF). Records are framed here
 * first so that every record keeps the line it starts on and one malformed record (a stray or
 * unterminated quote) is reported on its own row while every other record is still read.
 */
export function readRecords(text: string): CsvRecords {
  const frames = frameRecords(splitLines(text));
  const problems: ImportProblem[] = [];
  const records: CsvRecord[] = [];
  const closed = frames.filter((frame) => {
    if (frame.unterminated) {
      problems.push({
        row: frame.row,
        column: "",
        code: MALFORMED_CSV_CODE,
        message: `a quoted field opened on line ${frame.row} is never closed (the file ends inside it); close the quote or remove it`,
      });
    }
    return !frame.unterminated;
  });
  const parsed = parseAll(closed);
  if (parsed !== undefined) {
    closed.forEach((frame, i) => records.push({ row: frame.row, lastRow: frame.lastRow, fields: parsed[i] ?? [] }));
    return { records, problems };
  }
  // Some record is malformed: read them one by one to name each bad row and keep the good ones.
  for (const frame of closed) {
    try {
      records.push({ row: frame.row, lastRow: frame.lastRow, fields: parseOne(frame.text) });
    } catch (error) {
      problems.push({ row: frame.row, column: "", code: MALFORMED_CSV_CODE, message: malformedMessage(error, frame.text) });
    }
  }
  problems.sort((a, b) => a.row - b.row);
  return { records, problems };
}

function frameRecords(lines: readonly string[]): Frame[] {
  const frames: Frame[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (BLANK_LINE.test(line) || line.trimStart().startsWith("#")) {
      i++;
      continue;
    }
    let text = line;
    let inQuotes = endsInsideQuotes(line, false);
    let last = i;
    while (inQuotes && last + 1 < lines.length) {
      last++;
      const next = lines[last] ?? "";
      text += `\n${next}`;
      inQuotes = endsInsideQuotes(next, true);
    }
    frames.push({ row: i + 1, lastRow: last + 1, text, unterminated: inQuotes });
    i = last + 1;
  }
  return frames;
}

/**
 * Whether a line ends inside a quoted field, given whether it starts inside one. A quote opens a
 * quoted field only at the start of a field (after optional blanks); elsewhere it is left to
 * csv-parse to reject, so a stray quote never swallows the following lines.
 */
function endsInsideQuotes(line: string, startsInside: boolean): boolean {
  if (!startsInside && !line.includes('"')) return false;
  let inQuotes = startsInside;
  let atFieldStart = !startsInside;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (inQuotes) {
      if (ch !== '"') continue;
      if (line[k + 1] === '"') k++;
      else inQuotes = false;
    } else if (ch === ",") {
      atFieldStart = true;
    } else if (ch === '"' && atFieldStart) {
      inQuotes = true;
      atFieldStart = false;
    } else if (ch !== " " && ch !== "\t") {
      atFieldStart = false;
    }
  }
  return inQuotes;
}

function parseAll(frames: readonly Frame[]): string[][] | undefined {
  if (frames.length === 0) return [];
  try {
    const rows = parse(frames.map((frame) => frame.text).join("\n"), CSV_OPTIONS) as string[][];
    return rows.length === frames.length ? rows : undefined;
  } catch {
    // Malformed somewhere: the caller reads record by record to find out where.
    return undefined;
  }
}

function parseOne(text: string): string[] {
  const rows = parse(text, CSV_OPTIONS) as string[][];
  if (rows.length !== 1 || rows[0] === undefined) throw new Error(`expected one record, got ${rows.length}`);
  return rows[0];
}

const CSV_PARSE_REASONS: Readonly<Record<string, string>> = {
  INVALID_OPENING_QUOTE: 'a quote (") appears inside an unquoted field; quote the whole field and double the inner quote ("")',
  CSV_INVALID_CLOSING_QUOTE: 'text follows the closing quote of a quoted field; double a quote inside a quoted field ("")',
  CSV_QUOTE_NOT_CLOSED: "a quoted field is never closed",
};

function malformedMessage(error: unknown, text: string): string {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const reason = CSV_PARSE_REASONS[code] ?? `the row cannot be split into fields (${code || String(error).slice(0, 100)})`;
  return `${reason}: ${echo(text)}`;
}
