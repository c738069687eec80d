/**
 * Shared pieces of the benchmarks (SPEC §8): the COPY floor, peak RSS, and bench-results.json.
 *
 * The floor is the physical one: the pure in-memory math of the same work (measured by each bench)
 * plus a COPY of the same rows into empty copies of their tables WITH their primary keys and indexes
 * (`LIKE ... INCLUDING ALL`). The rows are read back from where the run stored them and encoded
 * (binary COPY format) before the clock starts, so only the server-side load is timed; best of N.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";

export const secs = (t0: number) => (performance.now() - t0) / 1000;
export const fmt = (s: number) => s.toFixed(3);

/** One table of the COPY floor: where the run stored rows, and which of them belong to the workload. */
export interface FloorTable {
  /** Schema-qualified table, e.g. `factor.symbol_factors`. */
  readonly table: string;
  /** Optional SQL condition selecting the workload's rows (default: all rows). */
  readonly where?: string;
}

/** COPY floor of one table: rows, best seconds, rows/s. */
export interface FloorCopy {
  table: string;
  rows: number;
  seconds: number;
}

/**
 * Every table of the given schemas that holds rows, minus bookkeeping (migrations, run history):
 * the floor then grows by itself when a phase adds a table (e.g. the risk phases' outputs).
 *
 * @param db - a connected client on the bench database.
 * @param schemas - output schemas to scan.
 * @param exclude - table names (unqualified) to leave out.
 */
export async function tablesWithRows(db: pg.Client, schemas: readonly string[], exclude: readonly string[] = []): Promise<FloorTable[]> {
  const { rows } = await db.query<{ t: string }>(
    `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
      WHERE table_schema = ANY($1::text[]) AND table_type = 'BASE TABLE' AND table_name <> 'migrations' AND NOT table_name = ANY($2::text[])
      ORDER BY 1`,
    [schemas, exclude],
  );
  const out: FloorTable[] = [];
  for (const { t } of rows) {
    const { rows: n } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t}) AS any`);
    if (n[0]!.any) out.push({ table: t });
  }
  return out;
}

/**
 * Times a binary COPY of each table's (selected) rows into an empty keyed copy in a scratch schema;
 * best of `repeats` per table. The scratch schema is dropped afterwards.
 *
 * @returns per-table figures; the floor's write part is the sum of `seconds`.
 */
export async function copyFloor(db: pg.Client, tables: readonly FloorTable[], repeats = 3): Promise<FloorCopy[]> {
  const scratch = `bench_floor_${process.pid}`;
  await db.query(`CREATE SCHEMA ${scratch}`);
  try {
    const out: FloorCopy[] = [];
    for (const t of tables) {
      const name = `${scratch}.${t.table.replace(".", "__")}`;
      await db.query(`CREATE TABLE ${name} (LIKE ${t.table} INCLUDING ALL)`);
      // LIKE does not copy storage parameters (e.g. toast_tuple_target of the packed risk tables).
      const { rows: opts } = await db.query<{ o: string[] | null }>(`SELECT reloptions AS o FROM pg_class WHERE oid = $1::regclass`, [
        t.table,
      ]);
      if (opts[0]?.o?.length) await db.query(`ALTER TABLE ${name} SET (${opts[0].o.join(", ")})`);
      // COPY TO in binary then COPY FROM the same bytes: exactly the stored rows, no client-side encoding in the timing.
      const bytes = await copyOut(db, `COPY (SELECT * FROM ${t.table}${t.where ? ` WHERE ${t.where}` : ""}) TO STDOUT (FORMAT binary)`);
      let best = Number.POSITIVE_INFINITY;
      let rows = 0;
      for (let k = 0; k < repeats; k++) {
        await db.query(`TRUNCATE ${name}`);
        const t0 = performance.now();
        const stream = db.query(copyFrom(`COPY ${name} FROM STDIN (FORMAT binary)`));
        await pipeline(Readable.from(bytes), stream);
        best = Math.min(best, secs(t0));
        rows = stream.rowCount;
      }
      out.push({ table: t.table, rows, seconds: best });
    }
    return out;
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${scratch} CASCADE`);
  }
}

async function copyOut(db: pg.Client, sql: string): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const stream = db.query(copyTo(sql));
  for await (const c of stream) chunks.push(c as Buffer);
  // Re-chunk to ~1 MiB so the timed COPY is not dominated by per-message overhead.
  const all = Buffer.concat(chunks);
  const out: Buffer[] = [];
  for (let i = 0; i < all.length; i += 1 << 20) out.push(all.subarray(i, i + (1 << 20)));
  return out;
}

/** Peak resident set size of this process in MiB (getrusage maxrss). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** VmHWM (peak RSS, MiB) of a process from /proc, or NaN when unreadable (gone, other user). */
export function vmHwmMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak RSS (MiB) of the Postgres backends serving `database` right now (max over them), NaN if none readable. */
export async function postgresBackendsPeakMiB(db: pg.Client, database: string): Promise<{ backends: number; maxMiB: number }> {
  const { rows } = await db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [database]);
  const peaks = rows.map((r) => vmHwmMiB(r.pid)).filter((x) => Number.isFinite(x));
  return { backends: rows.length, maxMiB: peaks.length ? Math.max(...peaks) : Number.NaN };
}

/** Merges one workload's figures into bench-results.json (gitignored) so runs can be compared. */
export function recordResults(workload: string, figures: Record<string, unknown>): void {
  const file = "bench-results.json";
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  all[workload] = { at: new Date().toISOString(), loadavg: loadAvg(), ...figures };
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat; NaN when unreadable. */
export function cpuSeconds(pid: number, withReapedChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may hold spaces): state is field 3.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + (withReapedChildren ? Number(f[13]) + Number(f[14]) : 0);
    return ticks / CLOCK_TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

/** Linux USER_HZ: /proc times are in 1/100 s on every mainstream architecture. */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU seconds used by the whole local Postgres cluster so far: every postmaster's own time plus its
 * reaped children's (backends that exited) plus its live children's. Deltas of it show what the
 * database cost a run; NaN when no postmaster is visible (remote database, other user).
 */
export function postgresCpuSeconds(): number {
  const procs: { pid: number; ppid: number; comm: string }[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      procs.push({ pid: Number(name), ppid, comm });
    } catch {
      // gone between readdir and read
    }
  }
  const pg = new Set(procs.filter((p) => p.comm === "postgres").map((p) => p.pid));
  const masters = procs.filter((p) => pg.has(p.pid) && !pg.has(p.ppid));
  if (masters.length === 0) return Number.NaN;
  let total = 0;
  for (const m of masters) {
    total += cpuSeconds(m.pid, true);
    for (const c of procs) if (c.ppid === m.pid) total += cpuSeconds(c.pid) || 0;
  }
  return total;
}

/** 1-minute load average: on a shared 2-core machine the figures mean little without it. */
export function loadAvg(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

/** The run record's phases as printed rows: label, name, seconds, rows out, rows/s, summary. */
export interface PhaseFigure {
  phase: string;
  name: string;
  seconds: number;
  rows: number;
  rowsPerSecond: number;
  summary: string;
}

/**
 * Prints one line per phase present in the run record (whatever phases exist: the table grows when
 * a phase joins the run) and returns the figures.
 *
 * @param phases - the run record's phase results.
 * @param label - phase label/name lookup (phaseInfo of @sigma/contracts).
 */
export function printPhases(
  phases: readonly { phase: number; durationSeconds: number; counters?: { outputs: bigint }; summary: string }[],
  label: (phase: number) => { label: string; name: string },
): PhaseFigure[] {
  return phases.map((p) => {
    const rows = Number(p.counters?.outputs ?? 0n);
    const info = label(p.phase);
    const rate = p.durationSeconds > 0 ? rows / p.durationSeconds : 0;
    console.log(
      `  ${info.label.padEnd(5)} ${info.name.padEnd(24)}: ${fmt(p.durationSeconds)} s, ${String(rows).padStart(8)} rows (${Math.round(rate)} rows/s)  ${p.summary}`,
    );
    return { phase: info.label, name: info.name, seconds: p.durationSeconds, rows, rowsPerSecond: rate, summary: p.summary };
  });
}

/** Best of `repeats` timings of `f` (a floor: the least noisy of the runs), with the count it returned. */
export function best(f: () => number, repeats = 3): { s: number; n: number } {
  let s = Number.POSITIVE_INFINITY;
  let n = 0;
  for (let k = 0; k < repeats; k++) {
    const t = performance.now();
    n = f();
    s = Math.min(s, secs(t));
  }
  return { s, n };
}

/** Output schemas of the services whose tables make up the COPY floor (bookkeeping schemas left out). */
export const OUTPUT_SCHEMAS = ["market_data", "factor", "snapshot", "risk"] as const;
