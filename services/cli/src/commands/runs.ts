import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { phaseInfo, type Run, RunSource, RunSourceSchema, RunStatus, SkipReasonSchema } from "@sigma/contracts";
import type { Cli } from "../context.js";
import { type FieldNames, flagged } from "../errors.js";
import { followRun } from "../follow.js";
import { runJson } from "../json.js";
import { forPortfolio } from "../portfolio-calls.js";
import { CliError, formatSeconds, type Output, UsageError } from "../output.js";
import { activityText } from "../status-view.js";
import { parseCount, parseDate, parsePortfolioId, parseRange, parseRunId } from "../validate.js";
import { enumWord, phaseRunStateOf, phaseStateWord, runStatusOf, runStatusWord } from "../words.js";

const RUN_FIELDS: FieldNames = {
  start_date: "--from",
  end_date: "--to",
  as_of: "--as-of (or SIGMA_AS_OF)",
  portfolio_id: "--portfolio",
  force_rerun: "--force",
};

/** Prints a finished run for people: status, per-phase counters, per-symbol problems. */
export function printRunSummary(run: Run, out: Output): void {
  const seconds = run.finishedAt && run.startedAt ? (timestampMs(run.finishedAt) - timestampMs(run.startedAt)) / 1000 : 0;
  out.say(
    `run ${run.id}: ${runStatusWord(runStatusOf(run))} (${run.datesCompleted}/${run.datesTotal} dates ${run.startDate}..${run.endDate}, ${formatSeconds(seconds)})`,
  );
  for (const p of run.phases) {
    const c = p.counters;
    const skipped = (c?.skipped ?? []).map((s) => `${enumWord(SkipReasonSchema, s.reason)}=${s.count}`).join(" ");
    out.say(
      `  ${phaseInfo(p.phase).label.padEnd(6)} ${phaseInfo(p.phase).name.padEnd(24)} ${phaseStateWord(phaseRunStateOf(p)).padEnd(10)} ${p.durationSeconds.toFixed(2)}s  in=${c?.inputs ?? 0} out=${c?.outputs ?? 0}${skipped ? ` skipped: ${skipped}` : ""}  ${p.summary}`,
    );
  }
  // Phases 1.5 and 1.75 report the same gap in a symbol's closes: print each problem once.
  const problems = new Map<string, number>();
  for (const pr of run.problems) {
    const line = `  ! ${activityText(pr)} [${enumWord(SkipReasonSchema, pr.reason)}${pr.date ? ` ${pr.date}` : ""}]`;
    problems.set(line, (problems.get(line) ?? 0) + 1);
  }
  for (const [line, n] of problems) out.say(n > 1 ? `${line} ×${n}` : line);
  for (const w of run.warnings) out.say(`  warning: ${w}`);
  if (run.errorSummary) out.say(`  error: ${run.errorSummary}`);
}

/**
 * Prints the final run (under --json, `json(run)`: the run record by default) and fails (exit 1)
 * unless it completed.
 */
export function finish(run: Run, out: Output, json: (run: Run) => unknown = runJson): void {
  printRunSummary(run, out);
  if (out.json) out.printJson(json(run));
  const status = runStatusOf(run);
  if (status !== RunStatus.COMPLETED && status !== RunStatus.COMPLETED_WITH_WARNINGS) {
    throw new CliError(`run ${run.id} ${runStatusWord(status)}${run.errorSummary ? `: ${run.errorSummary}` : ""}`);
  }
}

/** `sigma run`, `sigma trigger`, `sigma runs`, `sigma cancel`. */
export function runCommands(program: Command, cli: Cli): void {
  program
    .command("run")
    .description("start a batch run and follow it with a progress bar until it ends (exit 1 unless it completed)")
    .option("--portfolio <id>", "scope the run to one portfolio (its id, see `sigma portfolios list`)")
    .option("--force", "recompute (force rerun)", false)
    .option("--from <date>", "first date, YYYY-MM-DD (with --force)")
    .option("--to <date>", "last date, YYYY-MM-DD (with --force)")
    .option("--dry-run", "print what would be computed", false)
    .option("--detach", "return as soon as the run has started", false)
    .option("--as-of <date>", "pin the run's clock to this date, YYYY-MM-DD (admin; default SIGMA_AS_OF)")
    .action(
      async (
        o: { portfolio?: string; force: boolean; from?: string; to?: string; dryRun: boolean; detach: boolean; asOf?: string },
        cmd: Command,
      ) => {
        const out = cli.output(cmd);
        if ((o.from || o.to) && !o.force) throw new UsageError("--from/--to recompute a range: add --force");
        if (o.from && o.to) parseRange(o.from, o.to, "--from", "--to");
        else if (o.from) parseDate(o.from, "--from");
        else if (o.to) parseDate(o.to, "--to");
        // The run's clock: --as-of, else SIGMA_AS_OF, so a pinned shell pins the run's target date too.
        const asOf = o.asOf !== undefined ? parseDate(o.asOf, "--as-of") : cli.cliEnv().asOf;
        const portfolioId = o.portfolio !== undefined ? parsePortfolioId(o.portfolio, "--portfolio") : "";
        const c = cli.clients();
        const call = <T>(fn: () => Promise<T>) =>
          portfolioId ? forPortfolio(portfolioId, RUN_FIELDS, fn, { deniedIsNotYours: !asOf }) : flagged(RUN_FIELDS, fn);
        const res = await call(() =>
          c.coordinator.runBatch({
            portfolioId,
            source: RunSource.MANUAL,
            forceRerun: o.force,
            startDate: o.from ?? "",
            endDate: o.to ?? "",
            dryRun: o.dryRun,
            asOf,
          }),
        );
        if (res.dryRun || res.alreadyUpToDate || !res.runId) {
          if (out.json)
            out.printJson({
              dryRun: res.dryRun,
              alreadyUpToDate: res.alreadyUpToDate,
              targetDate: res.targetDate,
              startDate: res.startDate,
              endDate: res.endDate,
              datesTotal: res.datesTotal,
              cells: res.cells.map((x) => ({ portfolioId: x.portfolioId, date: x.date })),
              message: res.message,
            });
          else out.say(res.message);
          return;
        }
        out.say(
          `run ${res.runId} started: ${res.datesTotal} date(s) ${res.startDate}..${res.endDate} (${asOf ? `as of ${asOf}, ` : ""}target ${res.targetDate})`,
        );
        if (o.detach) {
          if (out.json) out.printJson({ runId: res.runId });
          return;
        }
        finish(await followRun(cli, out, res.runId, { progress: true }), out);
      },
    );

  program
    .command("trigger")
    .description("start a cron-sourced run, follow it, exit non-zero unless it completed (the CronJob's command)")
    .action(async (_o, cmd: Command) => {
      const out = cli.output(cmd);
      const c = cli.clients();
      const asOf = cli.cliEnv().asOf;
      const res = await flagged({ as_of: "SIGMA_AS_OF" }, () => c.coordinator.runBatch({ source: RunSource.CRON, asOf }));
      if (!res.runId) {
        out.say(res.message || "already up to date");
        return;
      }
      out.say(`run ${res.runId} started (cron): ${asOf ? `as of ${asOf}, ` : ""}target ${res.targetDate}`);
      finish(await followRun(cli, out, res.runId, { progress: false, pollMs: 2000 }), out);
    });

  program
    .command("runs")
    .description("list run history, newest first")
    .option("--limit <n>", "how many (a whole number ≥ 0)", "20")
    .action(async (o: { limit: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const limit = parseCount(o.limit, "--limit");
      const { runs } = await flagged({ limit: "--limit" }, () => cli.clients().coordinator.listRuns({ limit }));
      if (out.json) return out.printJson(runs.map(runJson));
      if (runs.length === 0) return out.say("no runs yet (`sigma run` starts one)");
      const row = (cols: string[]) =>
        `${cols[0]!.padEnd(36)}  ${cols[1]!.padEnd(24)} ${cols[2]!.padEnd(7)} ${cols[3]!.padEnd(10)} ${cols[4]!.padEnd(22)}  ${cols[5]}`.trimEnd();
      out.say(row(["RUN", "STATUS", "SOURCE", "SCOPE", "DATES", "STARTED"]));
      for (const r of runs) {
        const started = r.startedAt ? new Date(timestampMs(r.startedAt)).toISOString().replace(/\.\d{3}Z$/, "Z") : "";
        out.say(
          row([r.id, runStatusWord(runStatusOf(r)), enumWord(RunSourceSchema, r.source), r.scope, `${r.startDate}..${r.endDate}`, started]),
        );
      }
    });

  program
    .command("cancel")
    .description("cancel a run (stops between chunks and releases its lease)")
    .argument("<run>", "run id (a UUID, see `sigma runs`)")
    .action(async (id: string, _o, cmd: Command) => {
      const out = cli.output(cmd);
      const runId = parseRunId(id);
      const { run } = await flagged({ run_id: "RUN" }, () => cli.clients().coordinator.cancelRun({ runId }));
      if (!run) throw new CliError(`run ${runId}: the coordinator returned no run record`);
      if (out.json) return out.printJson(runJson(run));
      printRunSummary(run, out);
    });
}
