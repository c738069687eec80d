/**
 * Benchmark of phases 1.5 + 1.75 (SPEC §8): 1,193 synthetic symbols × 254 output dates (+ 300 days of
 * lookback) through the real use cases and the real Postgres store, in a fresh schema dropped afterwards.
 * Prints figures; asserts nothing about time.
 *
 * Floor (measured in the same run): the same pure math + a binary COPY (pg-copy-streams) of the same
 * rows into empty copies of the tables with their primary keys (scripts/bench-lib.ts), best of 3.
 * The store writes through @sigma/db's bulkWrite: COPY on real Postgres; `--path unnest` measures the
 * unnest path instead (the write path before COPY), `--compare-unnest` measures both in one run.
 *
 * Also measured: the same factor rows in the narrow layout (one row per symbol-date-factor) on a
 * sample of symbols, to back the choice of the wide layout with figures.
 *
 * Usage: DATABASE_URL=postgres://... node --import tsx scripts/bench-factors.ts [--symbols N] [--dates N]
 *          [--path auto|unnest] [--compare-unnest] [--narrow-sample N (0: skip)]
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { addTradingDays, tradingDays } from "@sigma/calendar";
import { bulkUpsert, closeDataSource, createDataSource, queryRows } from "@sigma/db";
import {
  computeSymbolFactors,
  computeSymbolMetrics,
  FACTOR_ETFS,
  FACTOR_IDS,
  QUALITY_NONE,
  type SymbolFactorTable,
  computeFactorsForRange,
  computeMetricsForRange,
  FACTOR_MIGRATIONS,
  factorTableToColumns,
  LOOKBACK_TRADING_DAYS,
  PgFactorStore,
  type PriceSource,
  SYMBOL_FACTOR_COLUMNS,
} from "@sigma/factor-service";
import { best, copyFloor, peakRssMiB, recordResults } from "./bench-lib.js";

const { values: args } = parseArgs({
  options: {
    symbols: { type: "string", default: "1193" },
    dates: { type: "string", default: "254" },
    end: { type: "string", default: "2024-12-31" },
    "narrow-sample": { type: "string", default: "100" },
    path: { type: "string", default: "auto" },
    "compare-unnest": { type: "boolean", default: false },
  },
});
process.env.SIGMA_BULK_PATH = args.path;
const N_SYMBOLS = Number(args.symbols);
const N_DATES = Number(args.dates);
const END = args.end!;
const START = addTradingDays(END, -(N_DATES - 1));
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const schema = `bench_factor_${process.pid}`;

/** Deterministic factor-structured closes: ETFs are random walks, symbols load on SPY/IWM/VTV plus noise. */
function syntheticCloses(symbols: readonly string[], dates: readonly string[]): Map<string, Float64Array> {
  let s = 0x9e3779b9;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const T = dates.length;
  const etfRet = new Map<string, Float64Array>();
  const out = new Map<string, Float64Array>();
  for (const etf of FACTOR_ETFS) {
    const r = Float64Array.from({ length: T }, () => rnd() * 0.03);
    etfRet.set(etf, r);
  }
  const toCloses = (r: Float64Array) => {
    const c = new Float64Array(T);
    let p = 100;
    for (let t = 0; t < T; t++) c[t] = p *= 1 + r[t]!;
    return c;
  };
  for (const [etf, r] of etfRet) out.set(etf, toCloses(r));
  const spy = etfRet.get("SPY")!,
    iwm = etfRet.get("IWM")!,
    vtv = etfRet.get("VTV")!;
  symbols.forEach((sym, k) => {
    const b = 0.5 + (k % 17) / 10;
    const r = Float64Array.from({ length: T }, (_, t) => b * spy[t]! + 0.3 * iwm[t]! - 0.2 * vtv[t]! + rnd() * 0.02);
    const c = toCloses(r);
    // Every 50th symbol lists mid-lookback, so LIMITED windows and skips are exercised too.
    if (k % 50 === 49) c.fill(NaN, 0, 200);
    out.set(sym, c);
  });
  return out;
}

const symbols = Array.from({ length: N_SYMBOLS }, (_, i) => `S${String(i + 1).padStart(4, "0")}`);
const calendar = tradingDays(addTradingDays(START, -LOOKBACK_TRADING_DAYS), END);
const closes = syntheticCloses(symbols, calendar);
const prices: PriceSource = {
  async closes(req) {
    return { dates: calendar, closes: new Map(req.map((s) => [s, closes.get(s) ?? new Float64Array(calendar.length).fill(NaN)])) };
  },
};

const secs = (t0: number) => (performance.now() - t0) / 1000;

const db = await createDataSource({
  url: databaseUrl,
  schema,
  entities: [],
  migrations: FACTOR_MIGRATIONS,
  applicationName: "bench-factors",
});
const store = new PgFactorStore(db, schema);
// Time the store's writes separately from the use case around them.
let writeSeconds = 0;
const timedStore = {
  readFactors: store.readFactors.bind(store),
  readMetrics: store.readMetrics.bind(store),
  async replaceFactors(...a: Parameters<PgFactorStore["replaceFactors"]>) {
    const t0 = performance.now();
    try {
      return await store.replaceFactors(...a);
    } finally {
      writeSeconds += secs(t0);
    }
  },
  async replaceMetrics(...a: Parameters<PgFactorStore["replaceMetrics"]>) {
    const t0 = performance.now();
    try {
      return await store.replaceMetrics(...a);
    } finally {
      writeSeconds += secs(t0);
    }
  },
};

try {
  const req = { symbols, startDate: START, endDate: END };
  console.log(
    `bench-factors: ${N_SYMBOLS} symbols × ${tradingDays(START, END).length} dates (${START}..${END}) + ${LOOKBACK_TRADING_DAYS} lookback, schema ${schema}, write path ${args.path}`,
  );

  /** Phases 1.5 + 1.75 through the real use cases (in-memory prices, real Postgres store), on empty tables. */
  const measure = async () => {
    await queryRows(db, `TRUNCATE ${schema}.symbol_factors, ${schema}.symbol_metrics`);
    writeSeconds = 0;
    const t0 = performance.now();
    const f = await computeFactorsForRange({ prices, store: timedStore }, req);
    const m = await computeMetricsForRange({ prices, store: timedStore }, req);
    const total = secs(t0);
    return { f, m, total, write: writeSeconds, compute: total - writeSeconds };
  };
  let unnest: Awaited<ReturnType<typeof measure>> | undefined;
  if (args["compare-unnest"]) {
    process.env.SIGMA_BULK_PATH = "unnest";
    unnest = await measure();
    process.env.SIGMA_BULK_PATH = args.path;
  }
  const run = await measure();
  const { f, m, total, compute } = run;
  const firstWrite = run.write;
  const rows = f.outputs + m.outputs;

  // Rerun: replaces, never duplicates.
  const wBefore = writeSeconds;
  const t1 = performance.now();
  await computeFactorsForRange({ prices, store: timedStore }, req);
  const rerunTotal = secs(t1);
  const rerunWrite = writeSeconds - wBefore;
  const [stored] = await queryRows<{ n: number }>(db, `SELECT count(*)::int AS n FROM ${schema}.symbol_factors`);

  // Floor: the pure math alone, then a COPY of the stored rows into keyed empty copies of the tables.
  // Best of 2 each: on a shared machine a single timing of the math can be far above its floor.
  let fr!: ReturnType<typeof computeSymbolFactors>;
  const mathFactors = best(() => {
    fr = computeSymbolFactors({ dates: calendar, closes, symbols, startDate: START, endDate: END });
    return fr.table.rowCount;
  }, 2).s;
  const mathMetrics = best(
    () => computeSymbolMetrics({ dates: calendar, closes, symbols, startDate: START, endDate: END }).table.rowCount,
    2,
  ).s;
  const pgc = new pg.Client({ connectionString: databaseUrl, application_name: "bench-factors-floor" });
  await pgc.connect();
  let copies;
  try {
    copies = await copyFloor(pgc, [{ table: `${schema}.symbol_factors` }, { table: `${schema}.symbol_metrics` }]);
  } finally {
    await pgc.end();
  }
  const floorWrite = copies.reduce((s, c) => s + c.seconds, 0);
  const floor = mathFactors + mathMetrics + floorWrite;

  console.log(
    `phase 1.5 factors : ${f.outputs} symbol-date rows (${f.outputs * 12} factor values), ${f.fits} fits, skips ${JSON.stringify(f.skipped)}`,
  );
  console.log(`phase 1.75 metrics: ${m.outputs} symbol-date rows, skips ${JSON.stringify(m.skipped)}`);
  console.log(
    `compute seconds   : ${compute.toFixed(2)}  (pure math alone: factors ${mathFactors.toFixed(2)}, metrics ${mathMetrics.toFixed(2)})`,
  );
  console.log(
    `write seconds     : ${firstWrite.toFixed(2)}  (floor COPY of the same rows into keyed tables: ${floorWrite.toFixed(2)}: ${copies.map((c) => `${c.table.split(".")[1]} ${c.rows} rows ${c.seconds.toFixed(2)} s`).join(", ")})`,
  );
  console.log(
    `rows/s            : ${(rows / total).toFixed(0)} end-to-end, ${(rows / firstWrite).toFixed(0)} write-only (${((f.outputs * 12) / total).toFixed(0)} factor values/s end-to-end)`,
  );
  console.log(`fits/s            : ${(f.fits / mathFactors).toFixed(0)} (pure math), ${(f.fits / total).toFixed(0)} end-to-end`);
  console.log(`wall (1.5 + 1.75) : ${total.toFixed(2)} s; floor ${floor.toFixed(2)} s; ratio to floor ${(total / floor).toFixed(2)}`);
  if (unnest) {
    console.log(
      `unnest write path : wall ${unnest.total.toFixed(2)} s (write ${unnest.write.toFixed(2)} s); ratio to floor ${(unnest.total / floor).toFixed(2)} (same run, same floor)`,
    );
  }
  console.log(
    `rerun phase 1.5   : ${rerunTotal.toFixed(2)} s (write ${rerunWrite.toFixed(2)} s: delete + insert); stored rows ${stored!.n} (= ${f.outputs}: no duplicates)`,
  );
  console.log(`peak RSS          : ${peakRssMiB().toFixed(0)} MiB (this process; the store's Postgres backend is separate)`);
  recordResults("phases_1_5_1_75", {
    symbols: N_SYMBOLS,
    dates: N_DATES,
    path: args.path,
    wall_s: total,
    compute_s: compute,
    write_s: firstWrite,
    rows_written: rows,
    rows_per_s: rows / total,
    floor_s: floor,
    floor_math_s: mathFactors + mathMetrics,
    floor_copy_s: floorWrite,
    ratio_to_floor: total / floor,
    unnest: unnest ? { wall_s: unnest.total, write_s: unnest.write, ratio_to_floor: unnest.total / floor } : undefined,
    peak_rss_mib: peakRssMiB(),
  });

  if (Number(args["narrow-sample"]) > 0) await narrowComparison(fr.table, Number(args["narrow-sample"]));
} finally {
  await queryRows(db, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await closeDataSource(db);
}

/** Writes the first `sample` symbols' factor rows in both layouts (keyed, as stored) and prints the rates. */
async function narrowComparison(t: SymbolFactorTable, sample: number): Promise<void> {
  const keep = new Set(symbols.slice(0, sample));
  const idx = t.symbol.flatMap((s, r) => (keep.has(s) ? [r] : []));
  await queryRows(
    db,
    `CREATE TABLE ${schema}.narrow (symbol text, date date, factor int2, beta float8, r2 float8, n_obs int4, quality int2, PRIMARY KEY (symbol, date, factor))`,
  );
  await queryRows(db, `CREATE TABLE ${schema}.wide (LIKE ${schema}.symbol_factors INCLUDING INDEXES)`);
  const narrow = {
    symbol: [] as string[],
    date: [] as string[],
    factor: [] as number[],
    beta: [] as number[],
    r2: [] as number[],
    n_obs: [] as number[],
    quality: [] as number[],
  };
  for (const r of idx) {
    FACTOR_IDS.forEach((_f, j) => {
      const i = r * 12 + j;
      if (t.quality[i] === QUALITY_NONE) return;
      narrow.symbol.push(t.symbol[r]!);
      narrow.date.push(t.date[r]!);
      narrow.factor.push(j + 1);
      narrow.beta.push(t.beta[i]!);
      narrow.r2.push(t.r2[i]!);
      narrow.n_obs.push(t.nObs[i]!);
      narrow.quality.push(t.quality[i]!);
    });
  }
  const all = factorTableToColumns(t);
  const wide = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, idx.map((r) => v[r])]));
  const tn = performance.now();
  const nNarrow = await bulkUpsert(
    db,
    {
      table: `${schema}.narrow`,
      columns: [
        { name: "symbol", pgType: "text" },
        { name: "date", pgType: "date" },
        { name: "factor", pgType: "int2" },
        { name: "beta", pgType: "float8" },
        { name: "r2", pgType: "float8" },
        { name: "n_obs", pgType: "int4" },
        { name: "quality", pgType: "int2" },
      ],
      conflict: ["symbol", "date", "factor"],
    },
    narrow,
  );
  const narrowS = secs(tn);
  const tw = performance.now();
  const nWide = await bulkUpsert(db, { table: `${schema}.wide`, columns: SYMBOL_FACTOR_COLUMNS, conflict: ["symbol", "date"] }, wide, {
    batchSize: 20_000,
  });
  const wideS = secs(tw);
  const [sizes] = await queryRows<{ n: string; w: string }>(
    db,
    `SELECT pg_total_relation_size('${schema}.narrow')::text AS n, pg_total_relation_size('${schema}.wide')::text AS w`,
  );
  const perSymbolDate = (s: number) => idx.length / s;
  console.log(`layout sample (${keep.size} symbols, ${idx.length} symbol-dates):`);
  console.log(
    `  narrow: ${nNarrow} rows in ${narrowS.toFixed(2)} s = ${(nNarrow / narrowS).toFixed(0)} rows/s = ${perSymbolDate(narrowS).toFixed(0)} symbol-dates/s, ${(Number(sizes!.n) / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(
    `  wide  : ${nWide} rows in ${wideS.toFixed(2)} s = ${perSymbolDate(wideS).toFixed(0)} symbol-dates/s, ${(Number(sizes!.w) / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log(
    `  full backfill projected: narrow ${(t.rowCount / perSymbolDate(narrowS)).toFixed(1)} s vs wide ${(t.rowCount / perSymbolDate(wideS)).toFixed(1)} s for ${t.rowCount} symbol-dates`,
  );
}
