import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { type PhaseView, type StatusView, StatusViewSchema, RunState, PhaseState, type StatusTarget } from "@sigma/contracts";
import { clients, cliEnv } from "../context.js";
import { formatSeconds, printJson, say } from "../output.js";

const ICON: Record<PhaseState, string> = {
  [PhaseState.UNSPECIFIED]: "?",
  [PhaseState.PENDING]: "○",
  [PhaseState.RUNNING]: "▶",
  [PhaseState.COMPLETED]: "✓",
  [PhaseState.FAILED]: "✗",
  [PhaseState.INCOMPLETE]: "◐",
  [PhaseState.CANCELLED]: "⊘",
};

/**
 * One phase of `sigma status`. A phase's summary carries its own counts ("33/35 symbols (94%
 * coverage)"), so the progress counter is shown only without one: both read "35/35 symbols
 * 33/35 symbols".
 */
export function phaseLine(p: PhaseView): string {
  const progress = p.total > 0n && !p.summary ? ` ${p.current}/${p.total} ${p.unit}` : "";
  // phase_state has cancelled and incomplete; the deprecated state (older servers) has not.
  const state = p.phaseState !== PhaseState.UNSPECIFIED ? p.phaseState : (p.state as number as PhaseState);
  return `  ${ICON[state]} ${p.name.padEnd(24)} ${p.durationSeconds ? formatSeconds(p.durationSeconds).padStart(7) : "       "}${progress} ${p.summary}`;
}

/** The run line of `sigma status`, states spelled as everywhere else ("completed with warnings"). */
export function runLine(v: StatusView): string {
  const state = RunState[v.state].toLowerCase().replaceAll("_", " ");
  return `run ${v.runId || "-"}: ${state}  ${v.percent.toFixed(0)}%  elapsed ${formatSeconds(v.elapsedSeconds)}${v.errorSummary ? `  error: ${v.errorSummary}` : ""}`;
}

function printStatus(v: StatusView, json: boolean): void {
  if (json) {
    printJson(toJson(StatusViewSchema, v, { alwaysEmitImplicit: true }));
    return;
  }
  say(json, runLine(v));
  for (const p of v.phases) say(json, phaseLine(p));
  for (const a of v.recentActivity.slice(-10)) say(json, `    ${a.message}`);
}

/** `sigma status RUN|--portfolio ID [--watch]`. */
export function statusCommand(program: Command): void {
  program
    .command("status")
    .description("show (or --watch) the status of a run, or of a portfolio's latest run")
    .argument("[run]", "run id")
    .option("--portfolio <id>", "a portfolio's latest run instead of a run id")
    .option("--watch", "stream every change until the run ends", false)
    .action(async (runId: string | undefined, o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const target: StatusTarget["target"] = o.portfolio
        ? { case: "portfolioId", value: o.portfolio }
        : { case: "runId", value: runId ?? "" };
      const c = clients(cliEnv());
      if (!o.watch) {
        const { status } = await c.status.getStatus({ target: { target } });
        return printStatus(status!, json);
      }
      const abort = new AbortController();
      process.once("SIGINT", () => abort.abort());
      try {
        for await (const u of c.status.watchStatus({ target: { target } }, { signal: abort.signal, timeoutMs: 0 })) {
          if (json) printJson(toJson(StatusViewSchema, u.status!, { alwaysEmitImplicit: true }));
          else {
            say(json, `--- seq ${u.seq}`);
            printStatus(u.status!, json);
          }
          const s = u.status!.state;
          if (s !== RunState.RUNNING && s !== RunState.NOT_FOUND && s !== RunState.UNSPECIFIED) break;
        }
      } finally {
        abort.abort();
      }
    });
}
