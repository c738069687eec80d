import { ActivityLevel, PhaseState, phaseInfo, type Run, RunStatus } from "@sigma/contracts";
import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { Cli } from "./context.js";
import { explain } from "./errors.js";
import type { Output } from "./output.js";
import { activityText } from "./status-view.js";
import { phaseStateWord, runStatusOf } from "./words.js";

const PHASE_ICON: Partial<Record<PhaseState, string>> = { [PhaseState.COMPLETED]: "✓", [PhaseState.CANCELLED]: "⊘" };

/**
 * Follows a run until it ends: a progress bar (on stderr, on a terminal) fed by the status service's
 * WatchStatus stream, activity warnings printed as they arrive, and the coordinator's run record
 * polled as the source of truth for completion (so a status outage cannot hang it).
 *
 * @returns the final run record.
 */
export async function followRun(cli: Cli, out: Output, runId: string, opts: { progress: boolean; pollMs?: number }): Promise<Run> {
  const c = cli.clients();
  const abort = new AbortController();
  const stderr = cli.io.stderr as NodeJS.WriteStream;
  const interactive = opts.progress && stderr.isTTY === true;
  // One bar per phase: phases 1.5 and 1.75 advance together chunk by chunk.
  const bars = interactive
    ? new MultiBar(
        { format: "{phase} |{bar}| {value}/{total} {unit}", hideCursor: true, clearOnComplete: false, stream: stderr },
        Presets.shades_classic,
      )
    : undefined;
  const barOf = new Map<number, SingleBar>();
  const print = (line: string) => (bars ? bars.log(`${line}\n`) : out.say(line));
  let lastLine = "";

  const watch = (async () => {
    let after = 0n;
    for (let attempt = 0; attempt < 5 && !abort.signal.aborted; attempt++) {
      try {
        for await (const u of c.status.watchStatus(
          { target: { target: { case: "runId", value: runId } }, resumeAfter: after },
          { signal: abort.signal, timeoutMs: 0 },
        )) {
          after = u.seq;
          attempt = 0;
          const ev = u.event?.payload;
          if (!ev) continue;
          if (ev.case === "phaseStarted" || ev.case === "phaseProgress") {
            const info = phaseInfo(ev.value.phase);
            const total = Number(ev.value.total);
            const current = ev.case === "phaseProgress" ? Number(ev.value.current) : 0;
            if (bars) {
              const bar = barOf.get(ev.value.phase);
              if (bar) bar.update(current);
              else
                barOf.set(ev.value.phase, bars.create(Math.max(total, 1), current, { phase: info.name.padEnd(22), unit: ev.value.unit }));
            } else if (!out.json) {
              const line = `${info.name}: ${current}/${total} ${ev.value.unit}`;
              if (line !== lastLine) out.say(line);
              lastLine = line;
            }
          } else if (ev.case === "phaseFinished") {
            // state is the shared PhaseState; servers before it only set the deprecated success flag.
            const state = ev.value.state || (ev.value.success ? PhaseState.COMPLETED : PhaseState.FAILED);
            const icon = PHASE_ICON[state] ?? "✗";
            const word = state === PhaseState.COMPLETED ? "" : ` ${phaseStateWord(state)}`;
            print(`${icon} ${phaseInfo(ev.value.phase).name}${word} (${ev.value.durationSeconds.toFixed(1)}s) ${ev.value.summary}`);
          } else if (ev.case === "activity" && ev.value.level >= ActivityLevel.WARNING) {
            print(`${ev.value.level === ActivityLevel.ERROR ? "error" : "warning"}: ${activityText(ev.value)}`);
          }
        }
        return;
      } catch (err) {
        if (abort.signal.aborted) return;
        out.note(`status stream interrupted (${explain(err).message}); retrying`);
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    }
  })();

  try {
    for (;;) {
      const { run } = await c.coordinator.getRun({ runId });
      if (run && runStatusOf(run) !== RunStatus.RUNNING && runStatusOf(run) !== RunStatus.UNSPECIFIED) return run;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  } finally {
    // Let the stream deliver the final events before closing it.
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    await watch.catch(() => undefined);
    bars?.stop();
  }
}
