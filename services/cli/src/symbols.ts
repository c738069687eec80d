import { isTradingDay, previousTradingDay } from "@sigma/calendar";
import type { SymbolInfo } from "@sigma/contracts";
import type { Cli } from "./context.js";
import { CliError, UsageError } from "./output.js";

/**
 * The universe entries of `symbols` (factor ETFs included).
 *
 * @throws CliError (exit 1) naming every symbol the universe does not hold: a typo or a symbol
 *   never added must not print as rows of "-".
 */
export async function knownSymbols(cli: Cli, symbols: readonly string[]): Promise<Map<string, SymbolInfo>> {
  const { symbols: universe } = await cli.clients().marketData.listSymbols({ includeFactorEtfs: true });
  const bySymbol = new Map(universe.map((s) => [s.symbol, s]));
  const unknown = symbols.filter((s) => !bySymbol.has(s));
  if (unknown.length > 0) {
    throw new CliError(
      `unknown symbol${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}: not in the universe (\`sigma symbols add ${unknown.join(" ")}\` adds ${unknown.length > 1 ? "them" : "it"})`,
    );
  }
  return new Map(symbols.map((s) => [s, bySymbol.get(s)!]));
}

/** A `--date` that must be a trading day (no analytics exist for others). */
export function requireTradingDay(date: string, flag: string): void {
  if (!isTradingDay(date)) throw new UsageError(`${flag} ${date} is not a trading day (the one before is ${previousTradingDay(date)})`);
}

/**
 * Why symbols have no stored analytics row on `date`: the symbol is unavailable from the provider,
 * it has no close that day (nothing to compute), or the date was not computed (no run covered it,
 * or the phase skipped the symbol; the run's problems say why).
 */
export async function whyNoRow(
  cli: Cli,
  infos: Map<string, SymbolInfo>,
  symbols: readonly string[],
  date: string,
): Promise<Map<string, string>> {
  const why = new Map<string, string>();
  if (symbols.length === 0) return why;
  const res = await cli.clients().marketData.getPriceSeries({ symbols: [...symbols], startDate: date, endDate: date });
  const closeOf = new Map(res.series.map((s) => [s.symbol, s.closes[0]]));
  const recompute = `\`sigma run --force --from ${date} --to ${date}\` computes it`;
  for (const s of symbols) {
    const close = closeOf.get(s);
    if (infos.get(s)?.unavailable) why.set(s, "unavailable from the price provider: nothing computed");
    else if (close === undefined || Number.isNaN(close)) {
      const info = infos.get(s);
      if (info?.firstDate && date >= info.firstDate && date <= info.lastDate) why.set(s, "no close on this date: nothing to compute");
      else {
        // Outside the stored closes: delisted, not listed yet, or never loaded; the range tells which.
        const stored = info?.firstDate ? `stored closes ${info.firstDate}..${info.lastDate}` : "no stored closes";
        why.set(s, `no stored close on this date (${stored}): nothing computed`);
      }
    } else why.set(s, `not computed for this date (no run covered it, or the run skipped the symbol: see its problems); ${recompute}`);
  }
  return why;
}
