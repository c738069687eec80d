import { Code, ConnectError } from "@connectrpc/connect";
import type { Command } from "commander";
import { RunState, type StatusTarget, type StatusView } from "@sigma/contracts";
import type { Cli } from "../context.js";
import { explain, type FieldNames, withFields } from "../errors.js";
import { statusJson } from "../json.js";
import { CliError, type Output, UsageError } from "../output.js";
import { statusBlock, statusChanges, statusHeader } from "../status-view.js";
import { parseRunId } from "../validate.js";
import { isFinal, isUnsuccessful, runStatusWord, viewStatusOf } from "../words.js";

const FIELDS: FieldNames = { run_id: "RUN", portfolio_id: "--portfolio", target: "RUN (or --portfolio)" };

type Target = NonNullable<StatusTarget["target"]>;

function describeTarget(t: Target): string {
  return t.case === "runId" ? `run ${t.value}` : `portfolio ${t.value}`;
}

/**
 * Why the status service knows nothing of `t`: a run the coordinator does not know either is "not
 * found" (exit 1); one it does know means the status service has not seen its events (yet).
 *
 * @returns undefined when the coordinator knows the run (a watch should keep waiting).
 */
async function notFound(cli: Cli, t: Target): Promise<CliError | undefined> {
  if (t.case === "portfolioId") return new CliError(`no run found for portfolio ${t.value}`);
  try {
    await cli.clients().coordinator.getRun({ runId: t.value });
    return undefined;
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.NotFound) return new CliError(`run ${t.value} not found`);
    return new CliError(`run ${t.value} not found by the status service (and the coordinator could not be asked: ${explain(err).message})`);
  }
}

/** Exit code 1 for a run that failed or was cancelled, after its status was printed. */
function failIfUnsuccessful(v: StatusView): void {
  const s = viewStatusOf(v);
  if (isUnsuccessful(s)) throw new CliError(`run ${v.runId} ${runStatusWord(s)}${v.errorSummary ? `: ${v.errorSummary}` : ""}`);
}

async function showOnce(cli: Cli, out: Output, t: Target): Promise<void> {
  const { status } = await cli.clients().status.getStatus({ target: { target: t } });
  if (!status || status.state === RunState.NOT_FOUND) {
    const err = await notFound(cli, t);
    throw (
      err ?? new CliError(`${describeTarget(t)}: the status service has no events for it yet (the coordinator knows it; retry shortly)`)
    );
  }
  if (out.json) out.printJson(statusJson(status));
  else for (const line of statusBlock(status)) out.say(line);
  failIfUnsuccessful(status);
}

/**
 * Follows a run until its final event: on a terminal the block is redrawn in place; otherwise
 * (a pipe, a file) only what changed is printed; with --json one document per line.
 */
async function watch(cli: Cli, out: Output, t: Target): Promise<void> {
  const signal = cli.io.interrupted();
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  signal.addEventListener("abort", onInterrupt, { once: true });
  const tty = !out.json && cli.io.stdout.isTTY === true;
  let drawn = 0;
  let last: StatusView | undefined;
  const redraw = (block: string[]) => {
    // Lines cut to the screen, so the cursor can always move back to the block's first line.
    const width = Math.max((cli.io.stdout.columns ?? 100) - 1, 20);
    const lines = block.slice(0, Math.max((cli.io.stdout.rows ?? 50) - 1, 3));
    // Up to the first line of the previous block, then clear to the end of the screen.
    const home = drawn > 0 ? `\x1b[${drawn}F\x1b[J` : "";
    cli.io.stdout.write(`${home}${lines.map((l) => `${l.slice(0, width)}\n`).join("")}`);
    drawn = lines.length;
  };
  try {
    for await (const u of cli.clients().status.watchStatus({ target: { target: t } }, { signal: abort.signal, timeoutMs: 0 })) {
      const view = u.status;
      if (!view) continue;
      if (view.state === RunState.NOT_FOUND) {
        // The status service may see the run's first event a moment after the coordinator started it.
        if (last === undefined) {
          const err = await notFound(cli, t);
          if (err) throw err;
          out.note(`${describeTarget(t)}: waiting for its first event…`);
        }
        continue;
      }
      if (out.json) out.printJsonLine(statusJson(view));
      else if (tty) redraw(statusBlock(view));
      else for (const line of last ? statusChanges(last, view) : statusBlock(view)) out.say(line);
      last = view;
      if (isFinal(viewStatusOf(view))) break;
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    signal.removeEventListener("abort", onInterrupt);
    abort.abort();
  }
  if (signal.aborted) return;
  if (!last) throw (await notFound(cli, t)) ?? new CliError(`${describeTarget(t)}: the status stream ended before any event`);
  if (!isFinal(viewStatusOf(last))) {
    throw new CliError(`the status stream ended before ${describeTarget(t)} finished (last seen: ${statusHeader(last)})`);
  }
  failIfUnsuccessful(last);
}

/** `sigma status RUN|--portfolio ID [--watch]`. */
export function statusCommand(program: Command, cli: Cli): void {
  program
    .command("status")
    .description(
      "show (or --watch) the status of a run, or of a portfolio's latest run; exits 1 if it is not found, failed or was cancelled",
    )
    .argument("[run]", "run id (a UUID, see `sigma runs`)")
    .option("--portfolio <id>", "a portfolio's latest run instead of a run id")
    .option("--watch", "follow the run until it ends (redrawn in place on a terminal; changes only when piped)", false)
    .action(async (runId: string | undefined, o: { portfolio?: string; watch: boolean }, cmd: Command) => {
      const out = cli.output(cmd);
      if (runId && o.portfolio) throw new UsageError("give either a run id or --portfolio, not both");
      if (!runId && !o.portfolio) throw new UsageError("give a run id (see `sigma runs`) or --portfolio ID");
      const target: Target = o.portfolio ? { case: "portfolioId", value: o.portfolio } : { case: "runId", value: parseRunId(runId!) };
      try {
        await (o.watch ? watch(cli, out, target) : showOnce(cli, out, target));
      } catch (err) {
        throw withFields(err, FIELDS);
      }
    });
}
