import type { Command } from "commander";
import { FACTORS, type GetSymbolFactorsResponse, type GetSymbolMetricsResponse } from "@sigma/contracts";
import type { Cli } from "../context.js";
import { type FieldNames, flagged } from "../errors.js";
import { knownSymbols, requireTradingDay, whyNoRow } from "../symbols.js";
import { parseDate, parseSymbols } from "../validate.js";

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

function fmt(v: number | null, digits: number): string {
  return v === null ? "-" : v.toFixed(digits);
}

const FIELDS: FieldNames = { start_date: "--date", end_date: "--date", symbols: "--symbols" };

/** Validated `--symbols` / `--date`, the universe entries of the symbols (all known), or a usage error. */
async function request(cli: Cli, o: { symbols: string; date: string }) {
  const symbols = parseSymbols(o.symbols, "--symbols");
  const date = parseDate(o.date, "--date");
  requireTradingDay(date, "--date");
  const infos = await flagged(FIELDS, () => knownSymbols(cli, symbols));
  return { symbols, date, infos };
}

/** `sigma factors` and `sigma metrics`: stored symbol factor betas / metrics on a date. */
export function factorCommands(program: Command, cli: Cli): void {
  program
    .command("factors")
    .description(
      "stored factor betas of symbols on a trading date (phase 1.5); --json prints { SYMBOL: { factor: { beta, r2, n_obs, quality } } }; exit 1 for an unknown symbol",
    )
    .requiredOption("--symbols <list>", "symbols, comma separated")
    .requiredOption("--date <date>", "trading date, YYYY-MM-DD")
    .action(async (o: { symbols: string; date: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const { symbols, date, infos } = await request(cli, o);
      const res = await flagged(FIELDS, () => cli.clients().factor.getSymbolFactors({ symbols, startDate: date, endDate: "" }));
      const data = factorsJson(symbols, res);
      const stored = new Set(res.rows.map((r) => r.symbol));
      const why = await flagged(FIELDS, () =>
        whyNoRow(
          cli,
          infos,
          symbols.filter((s) => !stored.has(s)),
          date,
        ),
      );
      if (out.json) {
        out.printJson(data);
        for (const [symbol, reason] of why) out.note(`${symbol} ${date}: ${reason}`);
        return;
      }
      for (const [symbol, byFactor] of Object.entries(data)) {
        const reason = why.get(symbol);
        out.say(`${symbol} ${date}${reason ? `  ${reason}` : ""}`);
        if (reason) continue;
        for (const f of FACTORS) {
          const b = byFactor[f.id];
          if (b) out.say(`  ${f.displayName.padEnd(20)} ${fmt(b.beta, 4).padStart(8)}  r² ${fmt(b.r2, 3)}  n=${b.n_obs} ${b.quality}`);
          // A stored row without this factor: the regression was skipped (e.g. a flat regressor).
          else out.say(`  ${f.displayName.padEnd(20)} ${"-".padStart(8)}  not computed (skipped for this symbol-date)`);
        }
      }
    });
  program
    .command("metrics")
    .description(
      "stored symbol metrics on a trading date (phase 1.75); --json prints { SYMBOL: { metric: value | null } }; exit 1 for an unknown symbol",
    )
    .requiredOption("--symbols <list>", "symbols, comma separated")
    .requiredOption("--date <date>", "trading date, YYYY-MM-DD")
    .action(async (o: { symbols: string; date: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const { symbols, date, infos } = await request(cli, o);
      const res = await flagged(FIELDS, () => cli.clients().factor.getSymbolMetrics({ symbols, startDate: date, endDate: "" }));
      const data = metricsJson(symbols, res);
      const stored = new Set(res.rows.map((r) => r.symbol));
      const why = await flagged(FIELDS, () =>
        whyNoRow(
          cli,
          infos,
          symbols.filter((s) => !stored.has(s)),
          date,
        ),
      );
      if (out.json) {
        out.printJson(data);
        for (const [symbol, reason] of why) out.note(`${symbol} ${date}: ${reason}`);
        return;
      }
      for (const [symbol, metrics] of Object.entries(data)) {
        const reason = why.get(symbol);
        out.say(`${symbol} ${date}${reason ? `  ${reason}` : ""}`);
        if (reason) continue;
        // A stored row's null metric means the window needs more history than the symbol has.
        for (const [k, v] of Object.entries(metrics)) out.say(`  ${k.padEnd(18)} ${v === null ? "-  too little history" : fmt(v, 6)}`);
      }
    });
}
