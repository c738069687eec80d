import { toJson } from "@bufbuild/protobuf";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Command } from "commander";
import { phaseInfo, type Run, RunSchema, RunSource, RunStatus, SkipReason } from "@sigma/contracts";
import { clients, cliEnv } from "../context.js";
import { followRun } from "../follow.js";
import { CliError, formatSeconds, printJson, say } from "../output.js";

const STATUS_TEXT: Record<RunStatus, string> = {
  [RunStatus.UNSPECIFIED]: "unknown",
  [RunStatus.RUNNING]: "running",
  [RunStatus.COMPLETED]: "completed",
  [RunStatus.COMPLETED_WITH_WARNINGS]: "completed_with_warnings",
  [RunStatus.FAILED]: "failed",
  [RunStatus.CANCELLED]: "cancelled",
};

/** A run record as JSON (proto JSON names, enums as strings, defaults included). */
export function runJson(run: Run): unknown {
  return toJson(RunSchema, run, { alwaysEmitImplicit: true });
}

/** Prints a finished run for people: status, per-phase counters, per-symbol problems. */
export function printRunSummary(run: Run, json: boolean): void {
  const seconds = run.finishedAt && run.startedAt ? (timestampMs(run.finishedAt) - timestampMs(run.startedAt)) / 1000 : 0;
  say(
    json,
    `run ${run.id}: ${STATUS_TEXT[run.status]} (${run.datesCompleted}/${run.datesTotal} dates ${run.startDate}..${run.endDate}, ${formatSeconds(seconds)})`,
  );
  for (const p of run.phases) {
    const c = p.counters;
    const skipped = (c?.skipped ?? []).map((s) => `${SkipReason[s.reason]}=${s.count}`).join(" ");
    say(
      json,
      `  ${phaseInfo(p.phase).label.padEnd(5)} ${phaseInfo(p.phase).name.padEnd(24)} ${p.state.padEnd(10)} ${p.durationSeconds.toFixed(2)}s  in=${c?.inputs ?? 0} out=${c?.outputs ?? 0}${skipped ? ` skipped: ${skipped}` : ""}  ${p.summary}`,
    );
  }
  for (const pr of run.problems) say(json, `  ! ${pr.symbol}: ${pr.message} [${SkipReason[pr.reason]}]`);
  for (const w of run.warnings) say(json, `  warning: ${w}`);
  if (run.errorSummary) say(json, `  error: ${run.errorSummary}`);
}

/** `sigma run`, `sigma trigger`, `sigma runs`, `sigma cancel`. */
export function runCommands(program: Command): void {
  program
    .command("run")
    .description("start a batch run and follow it with a progress bar until it ends")
    .option("--portfolio <id>", "scope the run to one portfolio")
    .option("--force", "recompute (force rerun)", false)
    .option("--from <date>", "first date (with --force)")
    .option("--to <date>", "last date (with --force)")
    .option("--dry-run", "print what would be computed", false)
    .option("--detach", "return as soon as the run has started", false)
    .option("--as-of <date>", "pin the run's clock to this date (admin)")
    .action(async (o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const c = clients(cliEnv());
      const res = await c.coordinator.runBatch({
        portfolioId: o.portfolio ?? "",
        source: RunSource.MANUAL,
        forceRerun: o.force,
        startDate: o.from ?? "",
        endDate: o.to ?? "",
        dryRun: o.dryRun,
        asOf: o.asOf ?? "",
      });
      if (res.dryRun || res.alreadyUpToDate || !res.runId) {
        if (json)
          printJson({
            dryRun: res.dryRun,
            alreadyUpToDate: res.alreadyUpToDate,
            targetDate: res.targetDate,
            startDate: res.startDate,
            endDate: res.endDate,
            datesTotal: res.datesTotal,
            cells: res.cells.map((x) => ({ portfolioId: x.portfolioId, date: x.date })),
            message: res.message,
          });
        else say(json, res.message);
        return;
      }
      say(json, `run ${res.runId} started: ${res.datesTotal} date(s) ${res.startDate}..${res.endDate} (target ${res.targetDate})`);
      if (o.detach) {
        if (json) printJson({ runId: res.runId });
        return;
      }
      const run = await followRun(c, res.runId, { json, progress: true });
      printRunSummary(run, json);
      if (json) printJson(runJson(run));
      if (run.status === RunStatus.FAILED || run.status === RunStatus.CANCELLED) throw new CliError(`run ${STATUS_TEXT[run.status]}`, 1);
    });

  program
    .command("trigger")
    .description("start a cron-sourced run, follow it, exit non-zero unless it completed (the CronJob's command)")
    .action(async (_o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const c = clients(cliEnv());
      const res = await c.coordinator.runBatch({ source: RunSource.CRON });
      if (!res.runId) {
        say(json, res.message || "already up to date");
        return;
      }
      say(json, `run ${res.runId} started (cron)`);
      const run = await followRun(c, res.runId, { json, progress: false, pollMs: 2000 });
      printRunSummary(run, json);
      if (json) printJson(runJson(run));
      if (run.status !== RunStatus.COMPLETED && run.status !== RunStatus.COMPLETED_WITH_WARNINGS) {
        throw new CliError(`run ${run.id} ${STATUS_TEXT[run.status]}`, 1);
      }
    });

  program
    .command("runs")
    .description("list run history, newest first")
    .option("--limit <n>", "how many", "20")
    .action(async (o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const { runs } = await clients(cliEnv()).coordinator.listRuns({ limit: Number(o.limit) });
      if (json) return printJson(runs.map(runJson));
      for (const r of runs) {
        const started = r.startedAt ? new Date(Number(r.startedAt.seconds) * 1000).toISOString() : "";
        say(
          json,
          `${r.id}  ${STATUS_TEXT[r.status].padEnd(24)} ${RunSource[r.source].toLowerCase().padEnd(10)} ${r.scope.padEnd(12)} ${r.startDate}..${r.endDate}  ${started}`,
        );
      }
    });

  program
    .command("cancel")
    .description("cancel a run (stops between chunks and releases its lease)")
    .argument("<run>", "run id")
    .action(async (runId: string, _o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const { run } = await clients(cliEnv()).coordinator.cancelRun({ runId });
      if (json) return printJson(runJson(run!));
      printRunSummary(run!, json);
    });
}
