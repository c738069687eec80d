/**
 * CSV provider: daily bars from a long-format file `date,symbol,open,high,low,close,volume`
 * (e.g. ../shared/data/prices/daily_prices.csv), loaded once into a columnar per-symbol index.
 *
 * Format rules:
 * - The header is required; column names are matched case-insensitively and may come in any order.
 *   Required: date, symbol, open, high, low, close, volume. Extra columns are ignored, except
 *   `adj_close`: when present it is used as the close (the analytics want adjusted closes).
 * - Fields are split on "," with no quoting (price files never need it); "\r\n" line ends and blank
 *   lines are accepted.
 * - Every data row must have a strict YYYY-MM-DD date, a valid symbol (normalized: upper case, "." to
 *   "-") and finite numbers; a (symbol, date) may appear once. Anything else fails the whole load with
 *   a {@link CsvFormatError} naming the file and line: a price file is never half-loaded.
 * - Rows need not be sorted.
 */
import { readFile } from "node:fs/promises";
import { assertDateRange, isoDayNumber } from "../dates.js";
import { InvalidSymbolError, normalizeSymbol } from "../symbols.js";
import type { DailyBar, FetchResult, PriceProvider } from "./types.js";

/** A malformed price file; `line` is 1-based (the header is line 1). */
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

/** One symbol's bars as parallel arrays, ascending by date. */
export interface SymbolColumns {
  readonly dates: readonly string[];
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The parsed file: symbol -> columns. */
export type PriceIndex = ReadonlyMap<string, SymbolColumns>;

const REQUIRED = ["date", "symbol", "open", "high", "low", "close", "volume"] as const;

/**
 * Parses a long-format price file's text into a columnar index, in one pass over the lines.
 * @param text - the whole file.
 * @param source - names the file in error messages.
 * @throws CsvFormatError on a missing header column, a short row, a bad date/symbol/number, or a
 *   duplicate (symbol, date), naming the line.
 */
export function parsePriceCsv(text: string, source: string): PriceIndex {
  const lines = text.split("\n");
  const header = (lines[0] ?? "")
    .replace(/\r$/, "")
    .split(",")
    .map((h) => h.trim().toLowerCase());
  const col: Record<string, number> = {};
  for (const name of REQUIRED) {
    const i = header.indexOf(name);
    if (i < 0) throw new CsvFormatError(source, 1, `header lacks column "${name}" (got: ${header.join(",")})`);
    col[name] = i;
  }
  const closeCol = header.includes("adj_close") ? header.indexOf("adj_close") : col.close!;
  const minFields = Math.max(closeCol, ...Object.values(col)) + 1;

  // Rows are grouped per symbol as plain arrays first (unknown sizes), then packed and sorted.
  const groups = new Map<string, { dates: string[]; rows: number[]; lines: number[] }>();
  const values: number[] = []; // 5 numbers per row: open, high, low, close, volume
  const num = (fields: string[], i: number, name: string, line: number): number => {
    const raw = fields[i]!;
    const v = Number(raw);
    // Number("") is 0: an empty field must not pass as a zero price.
    if (raw.trim() === "" || !Number.isFinite(v)) throw new CsvFormatError(source, line, `${name} is not a number: ${JSON.stringify(raw)}`);
    return v;
  };
  for (let li = 1; li < lines.length; li++) {
    let rowText = lines[li]!;
    if (rowText.endsWith("\r")) rowText = rowText.slice(0, -1);
    if (rowText.trim() === "") continue;
    const line = li + 1;
    const f = rowText.split(",");
    if (f.length < minFields) throw new CsvFormatError(source, line, `expected at least ${minFields} fields, got ${f.length}`);
    const date = f[col.date!]!.trim();
    if (isoDayNumber(date) === undefined) throw new CsvFormatError(source, line, `date is not YYYY-MM-DD: ${JSON.stringify(date)}`);
    let symbol: string;
    try {
      symbol = normalizeSymbol(f[col.symbol!]!);
    } catch (err) {
      if (err instanceof InvalidSymbolError) throw new CsvFormatError(source, line, err.message);
      throw err;
    }
    const row = values.length / 5;
    values.push(
      num(f, col.open!, "open", line),
      num(f, col.high!, "high", line),
      num(f, col.low!, "low", line),
      num(f, closeCol, closeCol === col.close ? "close" : "adj_close", line),
      num(f, col.volume!, "volume", line),
    );
    let g = groups.get(symbol);
    if (!g) groups.set(symbol, (g = { dates: [], rows: [], lines: [] }));
    g.dates.push(date);
    g.rows.push(row);
    g.lines.push(line);
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
    return { status: "ok", bars, requests: 0 };
  }
}
