/**
 * The factor service's tables: bulk, idempotent writes (a rerun replaces the (symbol, date) rows of
 * the computed range, never duplicates) and set-based reads. One statement per batch, never per row.
 */
import {
  bulkWrite,
  float8ArrayFromSend,
  int4ArrayFromSend,
  queryRows,
  retryTransientFailures,
  withTransaction,
  type Queryable,
} from "@sigma/db";
import {
  FACTOR_IDS,
  METRIC_KEYS,
  QUALITY_NONE,
  type FactorId,
  type MetricKey,
  type SymbolFactorTable,
  type SymbolMetricsTable,
} from "../domain/index.js";
import { factorColumns, SYMBOL_FACTOR_COLUMNS, SYMBOL_METRIC_COLUMNS } from "./columns.js";
import { fromDayNumber, toDayNumber } from "@sigma/calendar";

/** Which stored rows a write replaces: these symbols on every date of [startDate, endDate]. */
export interface ReplaceScope {
  symbols: readonly string[];
  startDate: string;
  endDate: string;
}

/** Storage port of the use cases and handlers (a Postgres implementation below; fakes in tests). */
export interface FactorRepository {
  /** Replaces the scope's factor rows with `table` atomically; returns the rows written. */
  replaceFactors(scope: ReplaceScope, table: SymbolFactorTable): Promise<number>;
  /**
   * Stored factor rows of the scope in one read, ordered by symbol then date (absent factors: quality 0,
   * NaN). With `factors`, only those factors are read; the others come back absent.
   */
  readFactors(scope: ReplaceScope, factors?: readonly FactorId[]): Promise<SymbolFactorTable>;
  /** Replaces the scope's metric rows with `table` atomically; returns the rows written. */
  replaceMetrics(scope: ReplaceScope, table: SymbolMetricsTable): Promise<number>;
  /** Stored metric rows of the scope, ordered by symbol then date (NULL → NaN). */
  readMetrics(scope: ReplaceScope): Promise<SymbolMetricsTable>;
}

/**
 * Rows per statement on the unnest path (embedded PGlite): ~50 columns per row, so fewer rows than the
 * library default keep each bind payload ~10 MB. Real Postgres takes one streamed binary COPY instead.
 */
const WRITE_BATCH = 20_000;

const NF = FACTOR_IDS.length;

/**
 * Converts the domain's wide table into the stored columns: an absent factor (quality 0) becomes NULL
 * in all four of its columns (NaN is written as NULL by @sigma/db), so "no row" and "no value" stay
 * distinguishable from a value of 0.
 */
export function factorTableToColumns(table: SymbolFactorTable): Record<string, ArrayLike<unknown>> {
  const n = table.rowCount;
  const out: Record<string, ArrayLike<unknown>> = { symbol: table.symbol, date: table.date };
  FACTOR_IDS.forEach((f, j) => {
    const c = factorColumns(f);
    const beta = new Float64Array(n);
    const r2 = new Float64Array(n);
    const nObs = new Float64Array(n);
    const quality = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const i = r * NF + j;
      const present = table.quality[i] !== QUALITY_NONE;
      beta[r] = present ? table.beta[i]! : NaN;
      r2[r] = present ? table.r2[i]! : NaN;
      nObs[r] = present ? table.nObs[i]! : NaN;
      quality[r] = present ? table.quality[i]! : NaN;
    }
    out[c.beta] = beta;
    out[c.r2] = r2;
    out[c.nObs] = nObs;
    out[c.quality] = quality;
  });
  return out;
}

/** Postgres implementation of {@link FactorRepository}; raw SQL is schema-qualified (no search_path). */
export class PgFactorStore implements FactorRepository {
  constructor(
    private readonly db: Queryable,
    private readonly schema: string,
  ) {
    // A Postgres restart or dropped connection is retried, then answered UNAVAILABLE (see @sigma/db).
    retryTransientFailures<PgFactorStore>(this, ["replaceFactors", "replaceMetrics", "readFactors", "readMetrics"], "factor store");
  }

  private t(name: string): string {
    return `${this.schema}.${name}`;
  }

  /**
   * Deletes the scope's rows and inserts the new ones in ONE transaction, so readers never see a
   * half-replaced range. After the delete the rows are new: on real Postgres they are COPY-ed straight
   * into the table (a row outside the scope that collides with a stored one fails the write loudly).
   */
  private async replace(
    table: string,
    columns: typeof SYMBOL_FACTOR_COLUMNS,
    scope: ReplaceScope,
    rows: Record<string, ArrayLike<unknown>>,
  ): Promise<number> {
    return withTransaction(this.db, async (tx) => {
      await queryRows(
        tx,
        `WITH d AS (DELETE FROM ${this.t(table)} WHERE symbol = ANY($1::text[]) AND date BETWEEN $2::date AND $3::date RETURNING 1)
         SELECT count(*)::int AS n FROM d`,
        [scope.symbols, scope.startDate, scope.endDate],
      );
      return bulkWrite(tx, { table: this.t(table), columns, conflict: ["symbol", "date"] }, rows, {
        mode: "insert",
        batchSize: WRITE_BATCH,
        atomic: false,
      });
    });
  }

  async replaceFactors(scope: ReplaceScope, table: SymbolFactorTable): Promise<number> {
    return this.replace("symbol_factors", SYMBOL_FACTOR_COLUMNS, scope, factorTableToColumns(table));
  }

  async replaceMetrics(scope: ReplaceScope, table: SymbolMetricsTable): Promise<number> {
    return this.replace("symbol_metrics", SYMBOL_METRIC_COLUMNS, scope, { symbol: table.symbol, date: table.date, ...table.columns });
  }

  async readFactors(scope: ReplaceScope, factors: readonly FactorId[] = FACTOR_IDS): Promise<SymbolFactorTable> {
    // Only the wanted factors' columns travel from Postgres (a 1-factor panel reads 4 of 48 columns).
    const wanted = FACTOR_IDS.filter((f) => factors.includes(f));
    const cols = wanted.flatMap((f) => Object.values(factorColumns(f)));
    if (cols.length === 0) throw new RangeError("readFactors: no factor selected");
    // One row per symbol with each column as a binary array (array_send): the text protocol's
    // per-value parse of 48 columns × symbol-dates dominated the factor service's panel reads.
    // Dates travel as day offsets from the range start; a NULL quality (no value) becomes -1.
    const arrays = wanted.flatMap((f) => {
      const c = factorColumns(f);
      return [
        `array_send(array_agg(${c.beta} ORDER BY date)) AS ${c.beta}`,
        `array_send(array_agg(${c.r2} ORDER BY date)) AS ${c.r2}`,
        `array_send(array_agg(coalesce(${c.nObs}, 0) ORDER BY date)) AS ${c.nObs}`,
        `array_send(array_agg(coalesce(${c.quality}::int4, -1) ORDER BY date)) AS ${c.quality}`,
      ];
    });
    const rows = await queryRows<Record<string, Buffer | string>>(
      this.db,
      `SELECT symbol, array_send(array_agg(date - $2::date ORDER BY date)) AS day_offsets, ${arrays.join(", ")}
         FROM ${this.t("symbol_factors")}
        WHERE symbol = ANY($1::text[]) AND date BETWEEN $2::date AND $3::date
        GROUP BY symbol ORDER BY symbol`,
      [scope.symbols, scope.startDate, scope.endDate],
    );
    const perSymbol = rows.map((row) => ({ symbol: String(row.symbol), offsets: int4ArrayFromSend(row.day_offsets as Buffer), row }));
    const n = perSymbol.reduce((sum, s) => sum + s.offsets.length, 0);
    const table: SymbolFactorTable = {
      factors: FACTOR_IDS,
      rowCount: n,
      symbol: [],
      date: [],
      beta: new Float64Array(n * NF),
      r2: new Float64Array(n * NF),
      nObs: new Int32Array(n * NF),
      quality: new Uint8Array(n * NF),
    };
    // Absent until a stored value says otherwise (unselected factors stay absent too).
    table.beta.fill(NaN);
    table.r2.fill(NaN);
    const start = toDayNumber(scope.startDate);
    let base = 0;
    for (const { symbol, offsets, row } of perSymbol) {
      for (const o of offsets) {
        table.symbol.push(symbol);
        table.date.push(fromDayNumber(start + o));
      }
      for (const f of wanted) {
        const c = factorColumns(f);
        const j = FACTOR_IDS.indexOf(f);
        const beta = float8ArrayFromSend(row[c.beta] as Buffer);
        const r2 = float8ArrayFromSend(row[c.r2] as Buffer);
        const nObs = int4ArrayFromSend(row[c.nObs] as Buffer);
        const quality = int4ArrayFromSend(row[c.quality] as Buffer);
        for (let k = 0; k < offsets.length; k++) {
          // NULL quality = no value: the cell keeps NaN / 0 / QUALITY_NONE.
          if (quality[k]! < 0) continue;
          const i = (base + k) * NF + j;
          table.quality[i] = quality[k]!;
          table.beta[i] = beta[k]!;
          table.r2[i] = r2[k]!;
          table.nObs[i] = nObs[k]!;
        }
      }
      base += offsets.length;
    }
    return table;
  }

  async readMetrics(scope: ReplaceScope): Promise<SymbolMetricsTable> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT symbol, date::text AS date, ${METRIC_KEYS.join(", ")} FROM ${this.t("symbol_metrics")}
        WHERE symbol = ANY($1::text[]) AND date BETWEEN $2::date AND $3::date ORDER BY symbol, date`,
      [scope.symbols, scope.startDate, scope.endDate],
    );
    const columns = Object.fromEntries(
      METRIC_KEYS.map((k) => [k, Float64Array.from(rows, (r) => (r[k] === null ? NaN : Number(r[k])))]),
    ) as Record<MetricKey, Float64Array>;
    return { rowCount: rows.length, symbol: rows.map((r) => String(r.symbol)), date: rows.map((r) => String(r.date)), columns };
  }
}
