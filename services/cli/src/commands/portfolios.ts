import { Code, ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import { createClock } from "@sigma/calendar";
import { InvestmentClass, InvestmentClassSchema, OptionTypeSchema, type Portfolio, type Position } from "@sigma/contracts";
import type { Cli } from "../context.js";
import { flagged } from "../errors.js";
import { forPortfolio } from "../portfolio-calls.js";
import { lagTradingDays, portfolioJson, portfolioListJson } from "../portfolio-json.js";
import { CliError } from "../output.js";
import { formatTable, money, plain } from "../table.js";
import { parsePortfolioId } from "../validate.js";
import { enumWord } from "../words.js";

const FIELDS = { portfolio_id: "PORTFOLIO" };

/**
 * The date a portfolio's snapshots should reach: the latest trading day whose close + 30 minutes has
 * passed, on the clock of SIGMA_AS_OF when set (the same target `sigma run` would get).
 */
export function targetOf(cli: Cli): string {
  const asOf = cli.cliEnv().asOf;
  return createClock(asOf ? { asOf } : {}).targetDate();
}

function optionText(p: Position): string {
  if (p.investmentClass !== InvestmentClass.OPTIONS) return "";
  return `${enumWord(OptionTypeSchema, p.optionType)} ${p.underlyingSymbol} ${plain(p.strikePrice ?? null)} ${p.expirationDate}`;
}

function printPortfolio(p: Portfolio, target: string, say: (line: string) => void): void {
  const lag = lagTradingDays(p, target);
  say(`portfolio ${p.id} "${p.name}" (owner ${p.owner}${p.active ? "" : ", inactive"})`);
  say(
    `  first entry ${p.firstEntryDate || "-"}, watermark ${p.watermarkDate || "none"}${lag === null ? "" : `, ${lag} trading day(s) behind ${target}`}`,
  );
  say(
    `  starting equity ${p.startingEquity === undefined ? "the net entry value of the first date's positions" : money(p.startingEquity)}`,
  );
  if (p.positions.length === 0) {
    say("  no positions");
    return;
  }
  const rows = p.positions.map((x) => [
    x.symbol,
    enumWord(InvestmentClassSchema, x.investmentClass),
    plain(x.quantity),
    money(x.entryPrice),
    x.entryDate,
    x.exitDate || "-",
    x.exitPrice === undefined ? "-" : money(x.exitPrice),
    optionText(x),
  ]);
  for (const line of formatTable(["SYMBOL", "CLASS", "QUANTITY", "ENTRY PRICE", "ENTRY DATE", "EXIT DATE", "EXIT PRICE", "OPTION"], rows, [
    "left",
    "left",
    "right",
    "right",
    "left",
    "left",
    "right",
    "left",
  ]))
    say(line);
}

/** `sigma portfolios list | show ID | delete ID`. */
export function portfolioCommands(program: Command, cli: Cli): void {
  const portfolios = program.command("portfolios").description("list, show and delete portfolios (`sigma onboard` imports one)");

  portfolios
    .command("list")
    .description("your portfolios (all of them for an admin) with their watermark and lag behind the target date")
    .option("--all", "include inactive portfolios", false)
    .action(async (o: { all: boolean }, cmd: Command) => {
      const out = cli.output(cmd);
      const target = targetOf(cli);
      const res = await flagged({}, () => cli.clients().snapshot.listPortfolios({ includeInactive: o.all }));
      const list = res.portfolios.map((p) => portfolioListJson(p, target));
      if (out.json) return out.printJson(list);
      if (list.length === 0) return out.say("no portfolios yet (`sigma onboard FILE --name NAME` imports one)");
      const rows = list.map((p) => [
        p.id,
        p.name,
        p.owner,
        p.first_entry_date || "-",
        p.watermark_date ?? "none",
        p.lag_trading_days === null ? "-" : String(p.lag_trading_days),
      ]);
      for (const line of formatTable(["ID", "NAME", "OWNER", "FIRST ENTRY", "WATERMARK", "LAG"], rows, [
        "left",
        "left",
        "left",
        "left",
        "left",
        "right",
      ]))
        out.say(line);
      out.note(`LAG: trading days behind the target date ${target}`);
    });

  portfolios
    .command("show")
    .description("a portfolio with its positions")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .action(async (id: string, _o, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      const { portfolio } = await forPortfolio(portfolioId, FIELDS, () => cli.clients().snapshot.getPortfolio({ portfolioId }));
      if (!portfolio) throw new CliError(`portfolio ${portfolioId}: the snapshot service returned no portfolio`);
      const target = targetOf(cli);
      if (out.json) return out.printJson(portfolioJson(portfolio, target));
      printPortfolio(portfolio, target, (line) => out.say(line));
    });

  portfolios
    .command("delete")
    .description("remove a portfolio with its positions, snapshots and position values (refused while a run holds it)")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .action(async (id: string, _o, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      const res = await forPortfolio(portfolioId, FIELDS, async () => {
        try {
          return await cli.clients().coordinator.removePortfolio({ portfolioId });
        } catch (err) {
          // A run holds the portfolio's lease: the coordinator's message names it; retry after it ends.
          if (err instanceof ConnectError && err.code === Code.FailedPrecondition) throw new CliError(err.rawMessage);
          throw err;
        }
      });
      const removed = {
        portfolio_id: res.portfolioId || portfolioId,
        positions_deleted: Number(res.positionsDeleted),
        snapshots_deleted: Number(res.snapshotsDeleted),
        position_values_deleted: Number(res.positionValuesDeleted),
      };
      if (out.json) return out.printJson(removed);
      out.say(
        `removed portfolio ${removed.portfolio_id}: ${removed.positions_deleted} position(s), ${removed.snapshots_deleted} snapshot(s), ${removed.position_values_deleted} position value(s)`,
      );
    });
}
