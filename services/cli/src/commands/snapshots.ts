import type { Command } from "commander";
import type { Cli } from "../context.js";
import { CliError } from "../output.js";
import { forPortfolio } from "../portfolio-calls.js";
import { finite, positionValueJson, snapshotJson } from "../portfolio-json.js";
import { formatTable, money, percent, plain } from "../table.js";
import { parseDate, parsePortfolioId, parseRange } from "../validate.js";

const SNAPSHOT_FIELDS = { portfolio_id: "PORTFOLIO", start_date: "--from", end_date: "--to" };
const VALUE_FIELDS = { portfolio_id: "PORTFOLIO", date: "--date" };

/** `sigma snapshots ID` and `sigma positions ID`: a portfolio's stored daily snapshots and position values. */
export function snapshotCommands(program: Command, cli: Cli): void {
  program
    .command("snapshots")
    .description("a portfolio's stored daily snapshots (phase 2): NAV, P&L, exposure, positions")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .option("--from <date>", "first date, YYYY-MM-DD (default: the first stored)")
    .option("--to <date>", "last date, YYYY-MM-DD (default: the last stored)")
    .action(async (id: string, o: { from?: string; to?: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      if (o.from && o.to) parseRange(o.from, o.to, "--from", "--to");
      else if (o.from) parseDate(o.from, "--from");
      else if (o.to) parseDate(o.to, "--to");
      const { snapshots } = await forPortfolio(portfolioId, SNAPSHOT_FIELDS, () =>
        cli.clients().snapshot.getSnapshots({ portfolioId, startDate: o.from ?? "", endDate: o.to ?? "" }),
      );
      const range = o.from || o.to ? ` in ${o.from ?? "…"}..${o.to ?? "…"}` : "";
      const first = snapshots[0];
      const last = snapshots.at(-1);
      // Nothing stored is "not found" (exit 1) under --json too, like `positions`.
      if (!first || !last)
        throw new CliError(`no snapshots stored for portfolio ${portfolioId}${range} (run \`sigma run --portfolio ${portfolioId}\`)`);
      if (out.json) return out.printJson(snapshots.map(snapshotJson));
      const rows = snapshots.map((s) => [
        s.date,
        money(s.nav),
        money(s.dailyPnl),
        percent(s.dailyReturn),
        money(s.cumulativePnl),
        money(s.grossExposure),
        money(s.netExposure),
        String(s.numPositions),
        `${s.numStale}/${s.numUnpriced}`,
      ]);
      for (const line of formatTable(
        ["DATE", "NAV", "DAILY P&L", "RETURN", "CUMULATIVE P&L", "GROSS", "NET", "POSITIONS", "STALE/UNPRICED"],
        rows,
        ["left", "right", "right", "right", "right", "right", "right", "right", "right"],
      ))
        out.say(line);
      // NAV moves only by P&L (no flows), so the NAV ratio is the return over the dates shown.
      const total = finite(first.nav) && first.nav !== 0 ? last.nav / first.nav - 1 : null;
      out.say(
        `${snapshots.length} snapshot(s) ${first.date} → ${last.date}: NAV ${money(first.nav)} → ${money(last.nav)}, total return ${percent(total)}`,
      );
    });

  program
    .command("positions")
    .description("a portfolio's stored position values (phase 2.5) on a date: price, status, value, P&L, weight")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .option("--date <date>", "YYYY-MM-DD; the latest stored date on or before it is shown (default: the latest stored)")
    .action(async (id: string, o: { date?: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      const date = o.date !== undefined ? parseDate(o.date, "--date") : "";
      const res = await forPortfolio(portfolioId, VALUE_FIELDS, () => cli.clients().snapshot.getPositionValues({ portfolioId, date }));
      if (!res.date || res.values.length === 0) {
        throw new CliError(
          `no position values stored for portfolio ${portfolioId}${date ? ` on or before ${date}` : ""} (run \`sigma run --portfolio ${portfolioId}\`)`,
        );
      }
      const list = res.values.map(positionValueJson);
      if (out.json) {
        // The data is the array; which date it is (when not the one asked for) goes to stderr.
        if (date && res.date !== date) out.note(`position values of ${res.date}, the latest stored on or before ${date}`);
        return out.printJson(list);
      }
      out.say(
        `positions of portfolio ${portfolioId} on ${res.date}${date && res.date !== date ? ` (the latest stored on or before ${date})` : date ? "" : " (the latest stored)"}`,
      );
      const rows = list.map((v) => [
        v.symbol,
        plain(v.quantity),
        money(v.last_price),
        v.price_status,
        money(v.market_value),
        money(v.unrealized_pnl),
        percent(v.weight, { signed: false }),
      ]);
      for (const line of formatTable(["SYMBOL", "QUANTITY", "LAST PRICE", "STATUS", "MARKET VALUE", "UNREALIZED P&L", "WEIGHT"], rows, [
        "left",
        "right",
        "right",
        "left",
        "right",
        "right",
        "right",
      ]))
        out.say(line);
    });
}
