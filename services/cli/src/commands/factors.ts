import type { Command } from "commander";
import { FACTORS, type GetSymbolFactorsResponse, type GetSymbolMetricsResponse } from "@sigma/contracts";
import { clients, cliEnv } from "../context.js";
import { printJson, say } from "../output.js";

/** Metric JSON keys (SPEC §3) and their proto field names, in display order. */
const METRICS = [
  ["return_1d", "return1d"],
  ["return_5d", "return5d"],
  ["return_21d", "return21d"],
  ["return_63d", "return63d"],
  ["return_252d", "return252d"],
  ["return_mtd", "returnMtd"],
  ["return_ytd", "returnYtd"],
  ["realized_vol_21d", "realizedVol21d"],
  ["realized_vol_63d", "realizedVol63d"],
  ["rsi_14", "rsi14"],
  ["sma_50", "sma50"],
  ["sma_200", "sma200"],
  ["drawdown_252d", "drawdown252d"],
] as const;

const QUALITY = ["", "FULL", "LIMITED"] as const;

/** A factor's JSON entry. */
export interface FactorJson {
  beta: number;
  r2: number | null;
  n_obs: number;
  quality: string;
}

/**
 * `{ SYMBOL: { factor_id: { beta, r2, n_obs, quality } } }` for one date; a skipped factor is absent,
 * and a requested symbol without any stored beta maps to `{}` (so scripts see it was asked for).
 */
export function factorsJson(symbols: readonly string[], res: GetSymbolFactorsResponse): Record<string, Record<string, FactorJson>> {
  const out: Record<string, Record<string, FactorJson>> = Object.fromEntries(symbols.map((s) => [s, {}]));
  for (const row of res.rows) {
    const entry = (out[row.symbol] ??= {});
    for (const b of row.betas) {
      const id = FACTORS.find((f) => f.factor === b.factor)?.id ?? String(b.factor);
      // r² is NaN when the symbol's returns had zero variance; JSON has no NaN.
      entry[id] = { beta: b.beta, r2: Number.isNaN(b.r2) ? null : b.r2, n_obs: b.nObs, quality: QUALITY[b.quality] ?? String(b.quality) };
    }
  }
  return out;
}

/**
 * `{ SYMBOL: { metric: value | null } }` for one date; every metric key is present (null = too little
 * history). A requested symbol without a stored row (no close that day) gets all nulls (SPEC §3.1).
 */
export function metricsJson(symbols: readonly string[], res: GetSymbolMetricsResponse): Record<string, Record<string, number | null>> {
  const allNull = () => Object.fromEntries(METRICS.map(([key]) => [key, null]));
  const out: Record<string, Record<string, number | null>> = Object.fromEntries(symbols.map((s) => [s, allNull()]));
  for (const row of res.rows) {
    out[row.symbol] = Object.fromEntries(METRICS.map(([key, field]) => [key, row[field] ?? null]));
  }
  return out;
}

/** The symbols as the services normalize them (comma or space separated, upper-cased, `.` → `-`). */
function parseSymbols(list: string): string[] {
  return [
    ...new Set(
      list
        .split(/[,\s]+/)
        .filter(Boolean)
        .map((s) => s.toUpperCase().replaceAll(".", "-")),
    ),
  ];
}

function fmt(v: number | null, digits: number): string {
  return v === null ? "-" : v.toFixed(digits);
}

/** `sigma factors` and `sigma metrics`: stored symbol factor betas / metrics on a date. */
export function factorCommands(program: Command): void {
  program
    .command("factors")
    .description("stored factor betas of symbols on a date (phase 1.5); --json prints { SYMBOL: { factor: { beta, r2, n_obs, quality } } }")
    .requiredOption("--symbols <list>", "symbols, comma separated")
    .requiredOption("--date <date>", "trading date (YYYY-MM-DD)")
    .action(async (o: { symbols: string; date: string }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const symbols = parseSymbols(o.symbols);
      const res = await clients(cliEnv()).factor.getSymbolFactors({ symbols, startDate: o.date, endDate: "" });
      const data = factorsJson(symbols, res);
      if (json) return printJson(data);
      for (const [symbol, byFactor] of Object.entries(data)) {
        say(json, `${symbol} ${o.date}${Object.keys(byFactor).length === 0 ? "  (no betas stored)" : ""}`);
        for (const f of FACTORS) {
          const b = byFactor[f.id];
          if (b) say(json, `  ${f.displayName.padEnd(20)} ${fmt(b.beta, 4).padStart(8)}  r² ${fmt(b.r2, 3)}  n=${b.n_obs} ${b.quality}`);
        }
      }
    });
  program
    .command("metrics")
    .description("stored symbol metrics on a date (phase 1.75); --json prints { SYMBOL: { metric: value | null } }")
    .requiredOption("--symbols <list>", "symbols, comma separated")
    .requiredOption("--date <date>", "trading date (YYYY-MM-DD)")
    .action(async (o: { symbols: string; date: string }, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const symbols = parseSymbols(o.symbols);
      const res = await clients(cliEnv()).factor.getSymbolMetrics({ symbols, startDate: o.date, endDate: "" });
      const data = metricsJson(symbols, res);
      if (json) return printJson(data);
      for (const [symbol, metrics] of Object.entries(data)) {
        say(json, `${symbol} ${o.date}`);
        for (const [k, v] of Object.entries(metrics)) say(json, `  ${k.padEnd(18)} ${fmt(v, 6)}`);
      }
    });
}
