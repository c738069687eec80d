import type { Command } from "commander";
import type { Cli } from "../context.js";
import { type FieldNames, flagged } from "../errors.js";
import { CliError } from "../output.js";
import { knownSymbols } from "../symbols.js";
import { parseRange, parseSymbols } from "../validate.js";

const PRICE_FIELDS: FieldNames = { start_date: "--from", end_date: "--to", symbols: "SYMBOL" };

/** `sigma symbols add|list` and `sigma prices`. */
export function dataCommands(program: Command, cli: Cli): void {
  const symbols = program.command("symbols").description("the symbol universe");
  symbols
    .command("add")
    .description("add symbols to the universe")
    .argument("<symbols...>", "symbols (comma or space separated)")
    .action(async (list: string[], _o, cmd: Command) => {
      const out = cli.output(cmd);
      const given = parseSymbols(list.join(","), "SYMBOLS");
      const res = await flagged({ symbols: "SYMBOLS" }, () => cli.clients().marketData.addSymbols({ symbols: given }));
      if (out.json) return out.printJson({ symbols: res.symbols, added: res.added });
      out.say(`${res.added} added (${res.symbols.length} given): ${res.symbols.join(", ")}`);
    });
  symbols
    .command("list")
    .description("list the universe with stored price coverage")
    .option("--etfs", "include the factor ETFs", true)
    .action(async (o: { etfs: boolean }, cmd: Command) => {
      const out = cli.output(cmd);
      const res = await cli.clients().marketData.listSymbols({ includeFactorEtfs: o.etfs });
      if (out.json)
        return out.printJson(
          res.symbols.map((s) => ({
            symbol: s.symbol,
            factorEtf: s.factorEtf,
            firstDate: s.firstDate,
            lastDate: s.lastDate,
            priceRows: Number(s.priceRows),
            unavailable: s.unavailable,
          })),
        );
      if (res.symbols.length === 0) return out.say("the universe is empty (`sigma symbols add AAPL MSFT` adds symbols)");
      out.say(`${"SYMBOL".padEnd(8)} ${"KIND"} ${"ROWS".padStart(6)}       DATES`);
      for (const s of res.symbols) {
        out.say(
          `${s.symbol.padEnd(8)} ${s.factorEtf ? "ETF " : "    "} ${s.priceRows.toString().padStart(6)} rows  ${s.firstDate || "-"}..${s.lastDate || "-"}${s.unavailable ? "  unavailable" : ""}`,
        );
      }
    });

  program
    .command("prices")
    .description("stored daily closes of a symbol (exit 1 if the symbol is unknown or has no closes in the range)")
    .argument("<symbol>")
    .requiredOption("--from <date>", "first date, YYYY-MM-DD")
    .requiredOption("--to <date>", "last date, YYYY-MM-DD")
    .action(async (raw: string, o: { from: string; to: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const [symbol] = parseSymbols(raw, "SYMBOL");
      const { from, to } = parseRange(o.from, o.to, "--from", "--to");
      await flagged(PRICE_FIELDS, async () => {
        const info = (await knownSymbols(cli, [symbol!])).get(symbol!)!;
        if (info.unavailable) throw new CliError(`${symbol}: unavailable from the price provider (at the last sync): no prices`);
        const res = await cli.clients().marketData.getPriceSeries({ symbols: [symbol!], startDate: from, endDate: to });
        const s = res.series[0];
        if (!s || s.empty || res.dates.length === 0) {
          const stored = info.firstDate
            ? `stored closes ${info.firstDate}..${info.lastDate}`
            : "no stored closes yet (`sigma run` loads them)";
          throw new CliError(
            `${symbol}: no closes in ${from}..${to}${res.dates.length === 0 ? " (no trading day in the range)" : ""}; ${stored}`,
          );
        }
        const rows = res.dates.map((d, i) => ({ date: d, close: Number.isNaN(s.closes[i]!) ? null : s.closes[i]! }));
        if (out.json) return out.printJson({ symbol: s.symbol, prices: rows });
        for (const r of rows) out.say(`${r.date}  ${r.close === null ? "-  (no close)" : r.close.toFixed(4)}`);
      });
    });
}
