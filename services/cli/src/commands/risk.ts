import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { FactorShockSchema, ScenarioSchema } from "@sigma/contracts";
import type { Command } from "commander";
import type { Cli } from "../context.js";
import { type FieldNames, withFields } from "../errors.js";
import { CliError, type Output, UsageError } from "../output.js";
import {
  type CorrelationsJson,
  type FactorCorrelationsJson,
  type ImpactJson,
  parseShocks,
  type ReportJson,
  reportJson,
  ShockSyntaxError,
  shocksText,
  type ScenarioJson,
  stressJson,
  type VolatilityJson,
} from "../risk-json.js";
import { formatTable, money, percent, plain } from "../table.js";
import { parseDate, parsePortfolioId } from "../validate.js";

const REPORT_FIELDS = { portfolio_id: "PORTFOLIO", date: "--date" };
const STRESS_FIELDS = { portfolio_id: "PORTFOLIO", date: "--date", scenario_ids: "--scenario", custom_scenarios: "--shock" };

/** The id of the scenario `--shock` builds. */
export const CUSTOM_SCENARIO_ID = "custom";

/**
 * Runs a risk call about one portfolio: PERMISSION_DENIED becomes `portfolio ID not found or not
 * yours` (exit 1, as for the portfolio commands: a stranger learns nothing); NOT_FOUND keeps the risk
 * service's words (an unknown portfolio, or nothing stored for the date), exit 1; other errors name
 * this command's flags.
 */
async function forRisk<T>(portfolioId: string, fields: FieldNames, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.PermissionDenied)
      throw new CliError(`portfolio ${portfolioId} not found or not yours`);
    throw withFields(err, fields);
  }
}

/** `sigma report ID` and `sigma stress ID`: a portfolio's stored risk analytics and its stress tests. */
export function riskCommands(program: Command, cli: Cli): void {
  program
    .command("report")
    .description("a portfolio's risk report on a date (phases 3–6): factor exposures, volatility, correlations, factor EWMA")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .option("--date <date>", "YYYY-MM-DD (default: the latest date with stored exposures)")
    .action(async (id: string, o: { date?: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      const date = o.date !== undefined ? parseDate(o.date, "--date") : "";
      const res = await forRisk(portfolioId, REPORT_FIELDS, () => cli.clients().risk.getRiskReport({ portfolioId, date }));
      if (!res.date) {
        throw new CliError(
          `no risk report stored for portfolio ${portfolioId}${date ? ` on ${date}` : ""} (run \`sigma run --portfolio ${portfolioId}\`)`,
        );
      }
      const report = reportJson(res);
      if (out.json) return out.printJson(report);
      printReport(out, portfolioId, report);
    });

  program
    .command("stress")
    .description("stress tests of a portfolio on a date: the active scenarios, chosen ones (--scenario, --all) or custom shocks (--shock)")
    .argument("<portfolio>", "portfolio id (a UUID, see `sigma portfolios list`)")
    .option("--date <date>", "YYYY-MM-DD (default: the latest date with stored exposures)")
    .option("--scenario <ids...>", "scenario ids (e.g. market_down_10 covid_crash_2020); default: the active scenarios")
    .option("--all", "every scenario, the historical replays included", false)
    .option("--shock <factor=value...>", "a custom scenario 'custom': factor id = decimal return (ir: yield change, 0.01 = 100bp)")
    .action(async (id: string, o: { date?: string; scenario?: string[]; all: boolean; shock?: string[] }, cmd: Command) => {
      const out = cli.output(cmd);
      const portfolioId = parsePortfolioId(id);
      const date = o.date !== undefined ? parseDate(o.date, "--date") : "";
      const req = stressRequest(o);
      const res = await forRisk(portfolioId, STRESS_FIELDS, () =>
        cli.clients().risk.runStressTest({ portfolioId, date, scenarioIds: req.scenarioIds, customScenarios: req.customScenarios }),
      );
      // --shock alone asks for the custom scenario only, whatever else the service evaluates with it.
      const results = req.onlyCustom ? res.results.filter((r) => r.scenarioId === CUSTOM_SCENARIO_ID) : res.results;
      if (results.length === 0) throw new CliError(`the risk service evaluated no scenario for portfolio ${portfolioId}`);
      const json = stressJson({ results });
      if (out.json) return out.printJson(json);
      out.say(`stress tests of portfolio ${portfolioId} on ${res.date} (NAV ${money(res.nav)})`);
      printStress(out, json, res.nav);
      const custom = req.customScenarios[0];
      if (custom) out.say(`${CUSTOM_SCENARIO_ID}: ${shocksText(custom.shocks)}`);
    });
}

/**
 * The RunStressTest request of `sigma stress`'s flags: none → the active scenarios (no id);
 * `--all` → ["all"]; `--scenario` → those ids; `--shock` → one custom scenario "custom", alone or
 * with the scenarios asked for.
 *
 * @throws UsageError (exit 2) for --all with --scenario, an empty or malformed scenario id, or a bad --shock.
 */
export function stressRequest(o: { scenario?: string[]; all?: boolean; shock?: string[] }) {
  if (o.all && o.scenario?.length) throw new UsageError("--all and --scenario exclude each other (--all runs every scenario)");
  for (const s of o.scenario ?? []) {
    if (!/^[a-z0-9_]{1,64}$/.test(s))
      throw new UsageError(`--scenario: not a scenario id: "${s}" (lower-snake ids such as market_down_10)`);
  }
  let shocks: ReturnType<typeof parseShocks> = [];
  try {
    shocks = parseShocks(o.shock ?? []);
  } catch (err) {
    if (err instanceof ShockSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  const customScenarios = shocks.length
    ? [
        create(ScenarioSchema, {
          id: CUSTOM_SCENARIO_ID,
          name: "custom shocks",
          active: false,
          shocks: shocks.map((s) => create(FactorShockSchema, s)),
        }),
      ]
    : [];
  const scenarioIds = o.all ? ["all"] : [...(o.scenario ?? [])];
  return { scenarioIds, customScenarios, onlyCustom: shocks.length > 0 && scenarioIds.length === 0 };
}

const ratio = (v: number | null, digits = 4) => (v === null ? "-" : v.toFixed(digits));

function printReport(out: Output, portfolioId: string, r: ReportJson): void {
  out.say(`risk report of portfolio ${portfolioId} on ${r.date} (NAV ${money(r.nav)})`);
  out.say("");
  out.say("factor exposures (phase 4)");
  const exposures = Object.entries(r.exposures).map(([id, e]) => [
    id,
    ratio(e.beta),
    money(e.dollar),
    `${e.positions_with_beta}/${e.eligible_positions}`,
    percent(e.coverage_count, { signed: false }),
    percent(e.coverage_abs_mv, { signed: false }),
    e.data_quality_failure ? "no_coverage" : "",
  ]);
  for (const line of formatTable(["FACTOR", "BETA", "DOLLAR EXPOSURE", "COVERED", "COVERAGE", "COVERAGE |MV|", "DATA QUALITY"], exposures, [
    "left",
    "right",
    "right",
    "right",
    "right",
    "right",
    "left",
  ]))
    out.say(line);
  const failures = Object.entries(r.exposures).filter(([, e]) => e.data_quality_failure);
  if (failures.length) out.say(`data-quality failure: no position has a beta for ${failures.map(([id]) => id).join(", ")}`);

  out.say("");
  out.say("volatility (phase 5; annualized)");
  const volRow = (name: string, v: VolatilityJson | null) =>
    v
      ? [
          name,
          percent(v.realized_vol_21d, { signed: false }),
          percent(v.realized_vol_63d, { signed: false }),
          percent(v.har_h1, { signed: false }),
          percent(v.har_h21, { signed: false }),
          v.trend ?? "-",
          plain(v.trend_slope, 6),
          percent(v.percentile, { signed: false }),
        ]
      : [name, "-", "-", "-", "-", "-", "-", "-"];
  const vols = [volRow("portfolio", r.volatility.portfolio), ...Object.entries(r.volatility.positions).map(([s, v]) => volRow(s, v))];
  for (const line of formatTable(["SERIES", "RV 21D", "RV 63D", "HAR H=1", "HAR H=21", "TREND", "TREND SLOPE", "PERCENTILE"], vols, [
    "left",
    "right",
    "right",
    "right",
    "right",
    "left",
    "right",
    "right",
  ]))
    out.say(line);

  out.say("");
  printCorrelations(out, r.correlations);
  out.say("");
  printFactorCorrelations(out, r.factor_correlations);
}

function printCorrelations(out: Output, c: CorrelationsJson | null): void {
  if (!c) {
    out.say("position correlations (phase 6): not computed for this date");
    return;
  }
  out.say(
    `position correlations (phase 6): ${c.included.length} symbol(s), average |ρ| ${ratio(c.avg_abs_corr)}, diversification ratio ${ratio(c.diversification_ratio)}${c.psd_repaired ? ", PSD repaired" : ""}`,
  );
  if (c.included.length > 0) {
    const rows = c.included.map((s, i) => [s, ...(c.matrix[i] ?? []).map((v) => ratio(v, 3))]);
    for (const line of formatTable(["", ...c.included], rows, ["left", ...c.included.map(() => "right" as const)])) out.say(line);
  }
  const excluded = Object.entries(c.excluded);
  if (excluded.length) out.say(`excluded: ${excluded.map(([s, why]) => `${s} (${why})`).join(", ")}`);
  out.say(`clusters (|ρ| ≥ 0.7): ${c.clusters.length ? c.clusters.map((k) => `[${k.join(", ")}]`).join(" ") : "none"}`);
}

function printFactorCorrelations(out: Output, f: FactorCorrelationsJson | null): void {
  if (!f) {
    out.say("factor ETF correlations (EWMA λ 0.94): not available for this date (fewer than 252 factor returns)");
    return;
  }
  out.say("factor ETF correlations (EWMA λ 0.94, clipped to ±0.95)");
  const rows = f.etfs.map((e, i) => [e, ...(f.correlation[i] ?? []).map((v) => ratio(v, 3))]);
  for (const line of formatTable(["", ...f.etfs], rows, ["left", ...f.etfs.map(() => "right" as const)])) out.say(line);
}

/** "direct", "correlated", "both" or "" (which model's loss is beyond nav). */
function beyondNav(s: ScenarioJson): string {
  const d = s.direct.loss_exceeds_nav;
  const c = s.correlated?.loss_exceeds_nav ?? false;
  return d && c ? "both" : d ? "direct" : c ? "correlated" : "";
}

/** A total as a signed share of nav (computed here from the total and the response's nav). */
function ofNav(impact: ImpactJson | null, nav: number): string {
  if (!impact || impact.total === null || !Number.isFinite(nav) || nav === 0) return "-";
  return percent(impact.total / nav);
}

function printStress(out: Output, json: Record<string, ScenarioJson>, nav: number): void {
  const rows = Object.entries(json).map(([id, s]) => [
    id,
    money(s.direct.total),
    ofNav(s.direct, nav),
    s.correlated ? money(s.correlated.total) : "-",
    ofNav(s.correlated, nav),
    beyondNav(s),
  ]);
  for (const line of formatTable(["SCENARIO", "DIRECT $", "DIRECT % NAV", "CORRELATED $", "CORRELATED % NAV", "LOSS > NAV"], rows, [
    "left",
    "right",
    "right",
    "right",
    "right",
    "left",
  ]))
    out.say(line);
  if (Object.values(json).some((s) => !s.correlated)) out.say("correlated impact not available: no factor EWMA covariance for this date");
}
