import { ImportErrorCode, InvestmentClass, OptionType } from "@sigma/contracts";
import { InvalidArgumentError } from "@sigma/runtime";
import { decodeUtf8 } from "./decode-utf8.js";
import { type FieldResult, isIsoDate, readDate, readNumber, readSymbol, type SymbolForms } from "./field-values.js";
import { compareProblems, echo, type ImportProblem, MALFORMED_CSV_CODE } from "./import-problem.js";
import { occRootOf, parseOccSymbol } from "./occ-symbol.js";
import { columnOrder, type HeaderLayout, type PortfolioColumn, readHeader } from "./portfolio-columns.js";
import { type CsvRecord, readRecords } from "./read-records.js";

/** Largest accepted file: 10 MiB (SPEC §6 "≤ 10 MB"). */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** One valid position of an imported portfolio. */
export interface ParsedPosition {
  /** Line of the file the position was read from. */
  readonly row: number;
  /** Upper-cased symbol. */
  readonly symbol: string;
  /** The symbol as written in the file (trimmed). */
  readonly originalSymbol: string;
  /** Upper-cased, `.` → `-`: the form price providers use (BRK.B → BRK-B). */
  readonly providerSymbol: string;
  /** Signed: negative is short. Never 0. */
  readonly quantity: number;
  /** Entry price per share (per contract unit for options), > 0. */
  readonly entryPrice: number;
  readonly entryDate: string;
  readonly investmentClass: InvestmentClass.PUBLIC | InvestmentClass.OPTIONS | InvestmentClass.PRIVATE;
  /** Free text ("" when not given). */
  readonly investmentSubtype: string;
  /** 100 for OPTIONS, else 1 (SPEC §3 market value). */
  readonly multiplier: 1 | 100;
  /** OPTIONS only: the underlying, upper-cased. */
  readonly underlyingSymbol?: string;
  /** OPTIONS only: the underlying in provider form. */
  readonly underlyingProviderSymbol?: string;
  /** OPTIONS only. */
  readonly strikePrice?: number;
  /** OPTIONS only. */
  readonly expirationDate?: string;
  /** OPTIONS only. */
  readonly optionType?: OptionType.CALL | OptionType.PUT;
  readonly exitDate?: string;
  readonly exitPrice?: number;
  /**
   * Stated market value of a PRIVATE position. Never set by the import: the SPEC §6 header has no
   * market value column, so PRIVATE positions are carried at their entry price.
   */
  readonly marketValue?: number;
}

/** Options of {@link parsePortfolioCsv}. */
export interface ParsePortfolioCsvOptions {
  /** Today's date (YYYY-MM-DD) of the pinned clock: later entry and exit dates are FUTURE_DATE. */
  readonly today: string;
  /** Size limit in bytes; {@link MAX_IMPORT_BYTES} by default. */
  readonly maxBytes?: number;
}

/** Outcome of {@link parsePortfolioCsv}: every position, or every problem. */
export type ParsePortfolioCsvResult =
  | {
      readonly ok: true;
      readonly positions: readonly ParsedPosition[];
      /** Earliest entry date: the portfolio's history starts there. */
      readonly firstEntryDate: string;
      /** Header cells naming no known column (as written): their values were not read. */
      readonly ignoredColumns: readonly string[];
    }
  | { readonly ok: false; readonly errors: readonly ImportProblem[] };

/**
 * Validates and reads a portfolio CSV (SPEC §6). Pure: no I/O, no clock (today is passed in).
 *
 * Every problem is reported at once, ordered by row then column, each with its 1-based file line,
 * the canonical column name, a stable {@link ImportErrorCode} and a message that quotes at most
 * 100 characters of the offending value. A file with any problem yields no positions at all.
 *
 * Codes chosen where the contract has no exact one: an OCC symbol disagreeing with the option
 * columns is INVALID_SYMBOL on the Symbol column; an Option Type other than CALL/PUT/C/P, and
 * option columns filled on a row whose class is PUBLIC or PRIVATE, are UNKNOWN_CLASS; an option
 * expiring before its entry date is EXIT_BEFORE_ENTRY; an exit price without an exit date is
 * MISSING_VALUE on Exit Date; malformed CSV structure is {@link MALFORMED_CSV_CODE}.
 *
 * @throws InvalidArgumentError when `opts.today` is not a YYYY-MM-DD date (a caller bug, not a file problem).
 */
export function parsePortfolioCsv(bytes: Uint8Array, opts: ParsePortfolioCsvOptions): ParsePortfolioCsvResult {
  if (!isIsoDate(opts.today)) throw new InvalidArgumentError(`today must be a YYYY-MM-DD date, got ${echo(opts.today)}`);
  const maxBytes = opts.maxBytes ?? MAX_IMPORT_BYTES;
  if (bytes.length > maxBytes) {
    return fail([
      {
        row: 0,
        column: "",
        code: ImportErrorCode.FILE_TOO_LARGE,
        message: `the file has ${bytes.length} bytes; the limit is ${maxBytes} bytes`,
      },
    ]);
  }
  const decoded = decodeUtf8(bytes);
  const { records, problems: structural } = readRecords(decoded.text);
  const problems: ImportProblem[] = [...structural];
  const [header, ...rows] = records;
  if (header === undefined) {
    problems.push({
      row: 0,
      column: "",
      code: ImportErrorCode.EMPTY_FILE,
      message: "the file has no header and no rows (it is empty or holds only comments and blank lines)",
    });
    problems.push(...encodingProblems(decoded.invalidLines, records, new Set()));
    return fail(problems);
  }
  const layout = readHeader(header.row, header.fields);
  problems.push(...layout.problems);
  const encodingCovered = new Set<number>();
  const positions: ParsedPosition[] = [];
  const firstRowByKey = new Map<string, number>();
  const invalidLines = new Set(decoded.invalidLines);
  for (const record of rows) {
    const touchesInvalid = decoded.invalidLines.length > 0 && linesOf(record).some((line) => invalidLines.has(line));
    const result = readRow(record, layout, header.fields, opts.today, touchesInvalid);
    problems.push(...result.problems);
    if (result.problems.some((p) => p.code === ImportErrorCode.INVALID_ENCODING && p.column !== "")) encodingCovered.add(record.row);
    if (result.key !== undefined) {
      const first = firstRowByKey.get(result.key.value);
      if (first === undefined) firstRowByKey.set(result.key.value, record.row);
      else {
        problems.push({
          row: record.row,
          column: "Symbol",
          code: ImportErrorCode.DUPLICATE_POSITION,
          message: `${result.key.label} is already held from row ${first} (duplicate = same symbol and entry date); merge the two rows or remove one`,
        });
      }
    }
    if (result.position !== undefined) positions.push(result.position);
  }
  problems.push(...encodingProblems(decoded.invalidLines, records, encodingCovered));
  if (problems.length === 0 && positions.length === 0) {
    problems.push({ row: 0, column: "", code: ImportErrorCode.NO_POSITIONS, message: "the file has a header but no position rows" });
  }
  if (problems.length > 0) return fail(problems);
  // ISO dates order as strings.
  const firstEntryDate = positions.map((p) => p.entryDate).sort()[0] ?? "";
  return { ok: true, positions, firstEntryDate, ignoredColumns: layout.ignored };
}

function fail(problems: ImportProblem[]): ParsePortfolioCsvResult {
  return { ok: false, errors: problems.sort(compareProblems(columnOrder)) };
}

function linesOf(record: CsvRecord): number[] {
  const lines: number[] = [];
  for (let line = record.row; line <= record.lastRow; line++) lines.push(line);
  return lines;
}

/** INVALID_ENCODING for invalid lines not already reported on a cell (header, comments, unknown columns). */
function encodingProblems(invalidLines: readonly number[], records: readonly CsvRecord[], covered: ReadonlySet<number>): ImportProblem[] {
  const problems: ImportProblem[] = [];
  const reported = new Set<number>();
  for (const line of invalidLines) {
    const record = records.find((r) => r.row <= line && line <= r.lastRow);
    const row = record?.row ?? line;
    if (covered.has(row) || reported.has(row)) continue;
    reported.add(row);
    problems.push({
      row,
      column: "",
      code: ImportErrorCode.INVALID_ENCODING,
      message: `line ${line} is not valid UTF-8 (e.g. a Latin-1 or Windows-1252 export); save the file as UTF-8`,
    });
  }
  return problems;
}

interface RowResult {
  readonly problems: ImportProblem[];
  readonly position?: ParsedPosition;
  /** Duplicate key (provider symbol and entry date) when both are valid. */
  readonly key?: { readonly value: string; readonly label: string };
}

const CLASSES: Readonly<Record<string, ParsedPosition["investmentClass"]>> = {
  PUBLIC: InvestmentClass.PUBLIC,
  OPTIONS: InvestmentClass.OPTIONS,
  PRIVATE: InvestmentClass.PRIVATE,
};

const OPTION_TYPES: Readonly<Record<string, OptionType.CALL | OptionType.PUT>> = {
  CALL: OptionType.CALL,
  C: OptionType.CALL,
  PUT: OptionType.PUT,
  P: OptionType.PUT,
};

const OPTION_COLUMNS = [
  "Underlying Symbol",
  "Strike Price",
  "Expiration Date",
  "Option Type",
] as const satisfies readonly PortfolioColumn[];

const REPLACEMENT_CHAR = "\uFFFD";

function readRow(
  record: CsvRecord,
  layout: HeaderLayout,
  headerFields: readonly string[],
  today: string,
  touchesInvalid: boolean,
): RowResult {
  const problems: ImportProblem[] = [];
  const report = (column: string, code: ImportErrorCode, message: string) => problems.push({ row: record.row, column, code, message });
  const badEncoding = new Set<number>();
  if (touchesInvalid) {
    record.fields.forEach((field, i) => {
      if (!field.includes(REPLACEMENT_CHAR)) return;
      badEncoding.add(i);
      const known = [...layout.index].find(([, at]) => at === i)?.[0];
      report(
        known ?? headerFields[i]?.trim() ?? "",
        ImportErrorCode.INVALID_ENCODING,
        `this value is not valid UTF-8 (read as ${echo(field)}; e.g. a Latin-1 export); save the file as UTF-8`,
      );
    });
  }
  const width = headerFields.length;
  const extra = record.fields.slice(width).filter((f) => f !== "");
  if (extra.length > 0) {
    report(
      "",
      MALFORMED_CSV_CODE,
      `the row has ${record.fields.length} fields but the header has ${width}; extra values: ${echo(extra.join(","))} (an unquoted comma inside a value?)`,
    );
  }

  /** The trimmed cell, "" when empty or the column is absent, undefined when its bytes were invalid (already reported). */
  const cell = (column: PortfolioColumn): string | undefined => {
    const at = layout.index.get(column);
    if (at === undefined) return "";
    if (badEncoding.has(at)) return undefined;
    return (record.fields[at] ?? "").trim();
  };
  /** Reads a cell that must be present; reports MISSING_VALUE when it is empty. */
  const required = <T>(column: PortfolioColumn, code: ImportErrorCode, read: (text: string) => FieldResult<T>): T | undefined => {
    if (!layout.index.has(column)) return undefined; // MISSING_COLUMN already reported on the header
    const text = cell(column);
    if (text === undefined) return undefined;
    if (text === "") {
      report(column, ImportErrorCode.MISSING_VALUE, `${column} is required and empty`);
      return undefined;
    }
    return readCell(column, code, text, read);
  };
  const optional = <T>(column: PortfolioColumn, code: ImportErrorCode, read: (text: string) => FieldResult<T>): T | undefined => {
    const text = cell(column);
    return text === undefined || text === "" ? undefined : readCell(column, code, text, read);
  };
  const readCell = <T>(
    column: PortfolioColumn,
    code: ImportErrorCode,
    text: string,
    read: (text: string) => FieldResult<T>,
  ): T | undefined => {
    const result = read(text);
    if (result.ok) return result.value;
    report(column, code, `${column} ${echo(text)}: ${result.reason}`);
    return undefined;
  };

  const symbol = required("Symbol", ImportErrorCode.INVALID_SYMBOL, readSymbol);
  const quantity = required("Quantity", ImportErrorCode.INVALID_NUMBER, readNumber);
  if (quantity === 0)
    report("Quantity", ImportErrorCode.ZERO_QUANTITY, "Quantity is 0; a position needs a non-zero quantity (negative for a short)");
  const entryPrice = required("Entry Price Per Share", ImportErrorCode.INVALID_NUMBER, readNumber);
  if (entryPrice !== undefined) checkPositive("Entry Price Per Share", entryPrice, report);
  const entryDate = required("Entry Date", ImportErrorCode.INVALID_DATE, readDate);
  if (entryDate !== undefined && entryDate > today) {
    report("Entry Date", ImportErrorCode.FUTURE_DATE, `Entry Date ${entryDate} is after today (${today})`);
  }

  const investmentClass = readClass(
    cell("Investment Class"),
    OPTION_COLUMNS.some((c) => cell(c) !== ""),
    report,
  );
  const option = investmentClass === InvestmentClass.OPTIONS ? readOption(symbol, entryDate, cell, optional, report) : undefined;

  const exitDate = optional("Exit Date", ImportErrorCode.INVALID_DATE, readDate);
  if (exitDate !== undefined && exitDate > today) {
    report("Exit Date", ImportErrorCode.FUTURE_DATE, `Exit Date ${exitDate} is after today (${today})`);
  }
  if (exitDate !== undefined && entryDate !== undefined && exitDate < entryDate) {
    report("Exit Date", ImportErrorCode.EXIT_BEFORE_ENTRY, `Exit Date ${exitDate} is before Entry Date ${entryDate}`);
  }
  const exitPrice = optional("Exit Price Per Share", ImportErrorCode.INVALID_NUMBER, readNumber);
  if (exitPrice !== undefined) checkPositive("Exit Price Per Share", exitPrice, report);
  const exitPriceText = cell("Exit Price Per Share");
  if (exitPriceText !== undefined && exitPriceText !== "" && cell("Exit Date") === "") {
    report(
      "Exit Date",
      ImportErrorCode.MISSING_VALUE,
      "Exit Price Per Share is given but Exit Date is empty; give the date the position was closed",
    );
  }

  const key =
    symbol !== undefined && entryDate !== undefined
      ? { value: `${symbol.provider}|${entryDate}`, label: `${symbol.symbol} entered ${entryDate}` }
      : undefined;
  if (problems.length > 0 || symbol === undefined || quantity === undefined || entryPrice === undefined || entryDate === undefined) {
    return key === undefined ? { problems } : { problems, key };
  }
  if (investmentClass === undefined || (investmentClass === InvestmentClass.OPTIONS && option === undefined)) return { problems, key };
  const position: ParsedPosition = {
    row: record.row,
    symbol: symbol.symbol,
    originalSymbol: symbol.original,
    providerSymbol: symbol.provider,
    quantity,
    entryPrice,
    entryDate,
    investmentClass,
    investmentSubtype: cell("Investment Subtype") ?? "",
    multiplier: investmentClass === InvestmentClass.OPTIONS ? 100 : 1,
    ...(option ?? {}),
    ...(exitDate === undefined ? {} : { exitDate }),
    ...(exitPrice === undefined ? {} : { exitPrice }),
  };
  return { problems, key, position };
}

type Report = (column: string, code: ImportErrorCode, message: string) => void;

function checkPositive(column: PortfolioColumn, value: number, report: Report): void {
  if (value <= 0) report(column, ImportErrorCode.NON_POSITIVE_PRICE, `${column} is ${value}; a price must be greater than 0`);
}

/** No class given → OPTIONS when any option column is filled, else PUBLIC (SPEC §6). */
function readClass(text: string | undefined, hasOptionFields: boolean, report: Report): ParsedPosition["investmentClass"] | undefined {
  if (text === undefined) return undefined;
  if (text === "") return hasOptionFields ? InvestmentClass.OPTIONS : InvestmentClass.PUBLIC;
  const known = CLASSES[text.toUpperCase()];
  if (known === undefined) {
    report("Investment Class", ImportErrorCode.UNKNOWN_CLASS, `Investment Class ${echo(text)} is not one of PUBLIC, OPTIONS, PRIVATE`);
    return undefined;
  }
  if (known !== InvestmentClass.OPTIONS && hasOptionFields) {
    report(
      "Investment Class",
      ImportErrorCode.UNKNOWN_CLASS,
      `Investment Class is ${text.toUpperCase()} but option columns (${OPTION_COLUMNS.join(", ")}) are filled; use OPTIONS or clear them`,
    );
    return undefined;
  }
  return known;
}

type OptionFields = Required<
  Pick<ParsedPosition, "underlyingSymbol" | "underlyingProviderSymbol" | "strikePrice" | "expirationDate" | "optionType">
>;

/** Reads and cross-checks the four option columns of an OPTIONS row; undefined when any is missing or wrong. */
function readOption(
  symbol: SymbolForms | undefined,
  entryDate: string | undefined,
  cell: (column: PortfolioColumn) => string | undefined,
  optional: <T>(column: PortfolioColumn, code: ImportErrorCode, read: (text: string) => FieldResult<T>) => T | undefined,
  report: Report,
): OptionFields | undefined {
  let complete = true;
  for (const column of OPTION_COLUMNS) {
    if (cell(column) === "") {
      complete = false;
      report(column, ImportErrorCode.OPTION_FIELDS_MISSING, `an OPTIONS position needs ${column} (required: ${OPTION_COLUMNS.join(", ")})`);
    }
  }
  const underlying = optional("Underlying Symbol", ImportErrorCode.INVALID_SYMBOL, readSymbol);
  const strike = optional("Strike Price", ImportErrorCode.INVALID_NUMBER, readNumber);
  if (strike !== undefined) checkPositive("Strike Price", strike, report);
  const expiration = optional("Expiration Date", ImportErrorCode.INVALID_DATE, readDate);
  if (expiration !== undefined && entryDate !== undefined && expiration < entryDate) {
    report("Expiration Date", ImportErrorCode.EXIT_BEFORE_ENTRY, `Expiration Date ${expiration} is before Entry Date ${entryDate}`);
  }
  const optionType = optional("Option Type", ImportErrorCode.UNKNOWN_CLASS, (text): FieldResult<OptionType.CALL | OptionType.PUT> => {
    const type = OPTION_TYPES[text.toUpperCase()];
    return type === undefined ? { ok: false, reason: "Option Type is CALL or PUT (or C / P)" } : { ok: true, value: type };
  });

  const occ = symbol === undefined ? undefined : parseOccSymbol(symbol.symbol);
  let consistent = true;
  if (occ !== undefined && symbol !== undefined) {
    const mismatch = (column: PortfolioColumn, encoded: string, given: string) => {
      consistent = false;
      report(
        "Symbol",
        ImportErrorCode.INVALID_SYMBOL,
        `OCC symbol ${symbol.symbol} encodes ${column} ${encoded} but the ${column} column says ${echo(given)}; correct one of them`,
      );
    };
    if (underlying !== undefined && occRootOf(underlying.symbol) !== occ.root) mismatch("Underlying Symbol", occ.root, underlying.symbol);
    if (strike !== undefined && strike > 0 && Math.round(strike * 1000) !== Math.round(occ.strikePrice * 1000)) {
      mismatch("Strike Price", String(occ.strikePrice), String(strike));
    }
    if (expiration !== undefined && expiration !== occ.expirationDate) mismatch("Expiration Date", occ.expirationDate, expiration);
    if (optionType !== undefined && optionType !== occ.optionType) {
      mismatch("Option Type", occ.optionType === OptionType.CALL ? "CALL" : "PUT", optionType === OptionType.CALL ? "CALL" : "PUT");
    }
  }
  if (
    !complete ||
    !consistent ||
    underlying === undefined ||
    strike === undefined ||
    expiration === undefined ||
    optionType === undefined
  ) {
    return undefined;
  }
  return {
    underlyingSymbol: underlying.symbol,
    underlyingProviderSymbol: underlying.provider,
    strikePrice: strike,
    expirationDate: expiration,
    optionType,
  };
}
