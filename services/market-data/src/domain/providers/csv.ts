/**
 * CSV provider: daily bars from a long-format file `date,symbol,open,high,low,close,volume`
 * (e.g. ../shared/data/prices/daily_prices.csv), loaded once into a columnar per-symbol index.
 *
 * Format rules:
 * - Read through csv-table.ts (csv-parse): RFC 4180 quoting, a UTF-8 byte-order mark, CRLF or LF
 *   line ends and blank lines are accepted.
 * - The header is required; column names are matched case-insensitively and may come in any order.
 *   Required: date, symbol, open, high, low, close, volume. Extra columns are ignored, except
 *   `adj_close`: when present it is used as the close (the analytics want adjusted closes).
 * - Every data row must have a strict YYYY-MM-DD date and a valid symbol (normalized: upper case, "."
 *   to "-"); a (symbol, date) may appear once. Anything else fails the whole load with a
 *   {@link CsvFormatError} naming the file and line: a price file is never half-loaded.
 * - A row whose prices are unusable (a close that is not a positive number, a field that is not a
 *   finite number; see bar-quality.ts) is not a format error: it is kept aside as a
 *   {@link RejectedBar} with its `file:line`, so the sync reports it and stores the symbol's other rows.
 * - Rows need not be sorted.
 */
import { open, readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import path from "node:path";
import { assertDateRange, isIsoDate } from "@sigma/calendar";
import { priceFieldProblem } from "../bar-quality.js";
import { CsvFormatError, indexHeader, readCsvTable } from "../csv-table.js";
import { InvalidSymbolError, normalizeSymbol } from "../symbols.js";
import type { DailyBar, FetchResult, PriceProvider, RejectedBar } from "./types.js";

export { CsvFormatError } from "../csv-table.js";

/** One symbol's bars as parallel arrays, ascending by date, and its rejected rows (ascending by date). */
export interface SymbolColumns {
  readonly dates: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly rejected: readonly RejectedBar[];
}

/** The parsed file: symbol -> columns. A symbol whose rows were all rejected is present with no dates. */
export type PriceIndex = ReadonlyMap<string, SymbolColumns>;

/** The header columns a price file must have (any order, any case). */
export const PRICE_FILE_COLUMNS = ["date", "symbol", "open", "high", "low", "close", "volume"] as const;

const FIELDS = ["open", "high", "low", "close", "volume"] as const;

/**
 * Parses a long-format price file's text into a columnar index.
 * @param text - the whole file.
 * @param source - names the file in error messages; its base name locates rejected rows.
 * @throws CsvFormatError on a missing header column, a short row, broken quoting, a bad date or
 *   symbol, or a duplicate (symbol, date), naming the line.
 */
export function parsePriceCsv(text: string, source: string): PriceIndex {
  const table = readCsvTable(text, { source, required: PRICE_FILE_COLUMNS });
  const col = (name: string): number => table.columns.get(name)!;
  const dateCol = col("date");
  const symbolCol = col("symbol");
  const adjClose = table.columns.get("adj_close");
  const fieldCols = FIELDS.map((f) => (f === "close" && adjClose !== undefined ? adjClose : col(f)));
  const fieldNames = FIELDS.map((f) => (f === "close" && adjClose !== undefined ? "adj_close" : f));
  const fileName = path.basename(source);

  // Rows are grouped per symbol as plain arrays first (unknown sizes), then packed and sorted.
  const groups = new Map<string, { dates: string[]; rows: number[]; lines: number[]; rejected: (RejectedBar & { line: number })[] }>();
  const values: number[] = []; // 5 numbers per row: open, high, low, close, volume
  const row = new Array<number>(5);
  for (const { line, fields } of table.rows) {
    const date = (fields[dateCol] ?? "").trim();
    if (!isIsoDate(date)) throw new CsvFormatError(source, line, `date is not YYYY-MM-DD: ${JSON.stringify(date)}`);
    let symbol: string;
    try {
      symbol = normalizeSymbol(fields[symbolCol] ?? "");
    } catch (err) {
      if (err instanceof InvalidSymbolError) throw new CsvFormatError(source, line, err.message);
      throw err;
    }
    let g = groups.get(symbol);
    if (!g) groups.set(symbol, (g = { dates: [], rows: [], lines: [], rejected: [] }));
    let problem: string | undefined;
    // The close is checked first: it is the field the analytics read.
    for (const f of [3, 0, 1, 2, 4]) {
      const raw = fields[fieldCols[f]!] ?? "";
      // Number("") is 0: an empty field must not pass as a zero price.
      const v = raw.trim() === "" ? Number.NaN : Number(raw);
      row[f] = v;
      problem ??= priceFieldProblem(fieldNames[f]!, v, raw, f === 3);
    }
    if (problem !== undefined) {
      g.rejected.push({ date, location: `${fileName}:${line}`, problem, line });
      continue;
    }
    g.dates.push(date);
    g.rows.push(values.length / 5);
    g.lines.push(line);
    values.push(row[0]!, row[1]!, row[2]!, row[3]!, row[4]!);
  }

  const index = new Map<string, SymbolColumns>();
  for (const [symbol, g] of groups) {
    const order = g.dates.map((_, i) => i);
    // Files are usually sorted already; sort only when needed.
    let sorted = true;
    for (let i = 1; i < g.dates.length && sorted; i++) if (g.dates[i]! < g.dates[i - 1]!) sorted = false;
    if (!sorted) order.sort((a, b) => (g.dates[a]! < g.dates[b]! ? -1 : g.dates[a]! > g.dates[b]! ? 1 : 0));
    const n = order.length;
    const cols = {
      dates: new Array<string>(n),
      open: new Float64Array(n),
      high: new Float64Array(n),
      low: new Float64Array(n),
      close: new Float64Array(n),
      volume: new Float64Array(n),
      rejected: g.rejected
        .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.line - b.line))
        .map(({ date, location, problem }): RejectedBar => ({ date, location, problem })),
    };
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      if (j > 0 && g.dates[i] === cols.dates[j - 1]) {
        throw new CsvFormatError(source, Math.max(g.lines[i]!, g.lines[order[j - 1]!]!), `duplicate row for ${symbol} on ${g.dates[i]}`);
      }
      const base = g.rows[i]! * 5;
      cols.dates[j] = g.dates[i]!;
      cols.open[j] = values[base]!;
      cols.high[j] = values[base + 1]!;
      cols.low[j] = values[base + 2]!;
      cols.close[j] = values[base + 3]!;
      cols.volume[j] = values[base + 4]!;
    }
    index.set(symbol, cols);
  }
  return index;
}

/** How much of the file {@link checkPriceFile} reads to find the header line. */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * The start-up check of a price file: it exists, is a readable file and its first line is a header
 * with every column of {@link PRICE_FILE_COLUMNS} (any order and case, as {@link parsePriceCsv}
 * accepts). Reads at most the first 64 KiB; the rows are checked when the file is loaded.
 * @returns undefined when the file passes, else why not, naming the file (for health and
 *   FAILED_PRECONDITION answers).
 */
export async function checkPriceFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    const handle = await open(file, "r");
    try {
      const st = await handle.stat();
      if (!st.isFile()) return `price file ${file} is not a regular file`;
      const buf = Buffer.alloc(Math.min(HEADER_PROBE_BYTES, st.size));
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      text = buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `price file ${file} does not exist`;
    if (code === "EACCES" || code === "EPERM") return `price file ${file} is not readable (${code})`;
    if (code === "EISDIR") return `price file ${file} is not a regular file`;
    return `price file ${file} cannot be read: ${(err as Error).message}`;
  }
  const firstLineEnd = text.indexOf("\n");
  if (firstLineEnd < 0 && text.length === HEADER_PROBE_BYTES)
    return `price file ${file}: no header line in the first ${HEADER_PROBE_BYTES} bytes`;
  const firstLine = firstLineEnd < 0 ? text : text.slice(0, firstLineEnd);
  if (firstLine.replace(/^\uFEFF/, "").trim() === "")
    return `price file ${file}: the first line is empty, expected the header ${PRICE_FILE_COLUMNS.join(",")}`;
  try {
    const [record] = parse(firstLine, { bom: true, relax_column_count: true }) as string[][];
    indexHeader(record ?? [], { source: file, required: PRICE_FILE_COLUMNS });
  } catch (err) {
    // A CsvFormatError already starts with "file:1:".
    return err instanceof CsvFormatError ? `price file ${err.message}` : `price file ${file}: ${(err as Error).message}`;
  }
  return undefined;
}

/** First index i with dates[i] >= date (dates.length when none). */
function lowerBound(dates: readonly string[], date: string): number {
  let lo = 0;
  let hi = dates.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dates[mid]! < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * {@link PriceProvider} over a long-format CSV file. The file is read and indexed on the first
 * fetch (or on {@link CsvPriceProvider.load}, which a composition root may await to fail fast);
 * later fetches are binary searches. A symbol absent from the file is `unavailable`; a known symbol
 * with no rows in the range is `ok` with no bars.
 */
export class CsvPriceProvider implements PriceProvider {
  readonly kind = "csv" as const;
  private loading: Promise<PriceIndex> | undefined;
  /** Milliseconds the last load took (parse + index), for diagnostics; undefined before loading. */
  loadMillis: number | undefined;

  /** @param path - the file path, used as given (resolve it before). */
  constructor(readonly path: string) {}

  /** @inheritDoc */
  describe(): string {
    return `csv file ${this.path}`;
  }

  /**
   * Reads and indexes the file once; concurrent and later calls share the same promise.
   * @throws CsvFormatError for a malformed file; the fs error (e.g. ENOENT) for an unreadable one.
   *   A failed load is not cached, so a corrected file can be loaded by the next call.
   */
  load(): Promise<PriceIndex> {
    if (!this.loading) {
      const started = performance.now();
      this.loading = readFile(this.path, "utf8").then((text) => {
        const index = parsePriceCsv(text, this.path);
        this.loadMillis = performance.now() - started;
        return index;
      });
      this.loading.catch(() => {
        this.loading = undefined;
      });
    }
    return this.loading;
  }

  /** Symbols present in the file, sorted. */
  async symbols(): Promise<string[]> {
    return [...(await this.load()).keys()].sort();
  }

  /**
   * Bars of `symbol` in [start, end] from the file.
   * @throws RangeError for malformed dates or start > end; CsvFormatError / fs errors from loading.
   */
  async fetchDaily(symbol: string, start: string, end: string, signal?: AbortSignal): Promise<FetchResult> {
    signal?.throwIfAborted();
    assertDateRange(start, end);
    const index = await this.load();
    const cols = index.get(normalizeSymbol(symbol));
    if (!cols) return { status: "unavailable", reason: "not in price file", requests: 0 };
    const from = lowerBound(cols.dates, start);
    // "YYYY-MM-DD\0" sorts after that date and before the next: lowerBound gives the first index > end.
    const to = lowerBound(cols.dates, `${end}\u0000`);
    const bars: DailyBar[] = [];
    for (let i = from; i < to; i++) {
      bars.push({
        date: cols.dates[i]!,
        open: cols.open[i]!,
        high: cols.high[i]!,
        low: cols.low[i]!,
        close: cols.close[i]!,
        volume: cols.volume[i]!,
      });
    }
    const rejected = cols.rejected.filter((r) => r.date >= start && r.date <= end);
    return rejected.length > 0 ? { status: "ok", bars, requests: 0, rejected } : { status: "ok", bars, requests: 0 };
  }
}
