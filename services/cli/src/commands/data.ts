import type { Command } from "commander";
import { clients, cliEnv } from "../context.js";
import { printJson, say } from "../output.js";

/** `sigma symbols add|list` and `sigma prices`. */
export function dataCommands(program: Command): void {
  const symbols = program.command("symbols").description("the symbol universe");
  symbols
    .command("add")
    .description("add symbols to the universe")
    .argument("<symbols...>", "symbols (comma or space separated)")
    .action(async (list: string[], _o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const res = await clients(cliEnv()).marketData.addSymbols({ symbols: list.flatMap((s) => s.split(",")).filter(Boolean) });
      if (json) return printJson({ symbols: res.symbols, added: res.added });
      say(json, `${res.added} added (${res.symbols.length} given): ${res.symbols.join(", ")}`);
    });
  symbols
    .command("list")
    .description("list the universe with stored price coverage")
    .option("--etfs", "include the factor ETFs", true)
    .action(async (o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const res = await clients(cliEnv()).marketData.listSymbols({ includeFactorEtfs: o.etfs });
      if (json)
        return printJson(
          res.symbols.map((s) => ({
            symbol: s.symbol,
            factorEtf: s.factorEtf,
            firstDate: s.firstDate,
            lastDate: s.lastDate,
            priceRows: Number(s.priceRows),
            unavailable: s.unavailable,
          })),
        );
      for (const s of res.symbols) {
        say(
          json,
          `${s.symbol.padEnd(8)} ${s.factorEtf ? "ETF " : "    "} ${s.priceRows.toString().padStart(6)} rows  ${s.firstDate || "-"}..${s.lastDate || "-"}${s.unavailable ? "  unavailable" : ""}`,
        );
      }
    });

  program
    .command("prices")
    .description("daily closes of a symbol")
    .argument("<symbol>")
    .requiredOption("--from <date>", "first date")
    .requiredOption("--to <date>", "last date")
    .action(async (symbol: string, o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const res = await clients(cliEnv()).marketData.getPriceSeries({ symbols: [symbol], startDate: o.from, endDate: o.to });
      const s = res.series[0]!;
      const rows = res.dates.map((d, i) => ({ date: d, close: Number.isNaN(s.closes[i]!) ? null : s.closes[i]! }));
      if (json) return printJson({ symbol: s.symbol, prices: rows });
      for (const r of rows) say(json, `${r.date}  ${r.close === null ? "-" : r.close.toFixed(4)}`);
    });
}
