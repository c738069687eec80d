import { type ActivityEntry, PhaseState, type PhaseView, type StatusView } from "@sigma/contracts";
import { formatSeconds } from "./output.js";
import { phaseStateWord, phaseViewStateOf, runStatusWord, viewStatusOf } from "./words.js";

const ICON: Record<PhaseState, string> = {
  [PhaseState.UNSPECIFIED]: "?",
  [PhaseState.PENDING]: "○",
  [PhaseState.RUNNING]: "▶",
  [PhaseState.COMPLETED]: "✓",
  [PhaseState.FAILED]: "✗",
  [PhaseState.INCOMPLETE]: "◐",
  [PhaseState.CANCELLED]: "⊘",
};

/** How many recent activity lines the status block shows. */
const ACTIVITY_LINES = 10;

/**
 * One activity line's text, naming its symbol once: the coordinator writes "GGIPX: symbol
 * unavailable" with symbol GGIPX, so the symbol is added only when the message lacks it.
 */
export function activityText(entry: Pick<ActivityEntry, "symbol" | "message">): string {
  const message = entry.message.replace(/\r?\n/g, " ");
  if (!entry.symbol || message === entry.symbol || message.startsWith(`${entry.symbol}:`) || message.startsWith(`${entry.symbol} `)) {
    return message;
  }
  return `${entry.symbol}: ${message}`;
}

/** The header line: `run ID: completed_with_warnings  100%  elapsed 3.3s`. */
export function statusHeader(v: StatusView): string {
  const status = viewStatusOf(v);
  return `run ${v.runId || "-"}: ${status ? runStatusWord(status) : "not_found"}  ${v.percent.toFixed(0)}%  elapsed ${formatSeconds(v.elapsedSeconds)}${v.errorSummary ? `  error: ${v.errorSummary}` : ""}`;
}

/**
 * One phase line. A finished phase shows its summary (which carries its own counts, e.g. "12/13
 * symbols (92% coverage)"); a running one its progress: never both, so no count appears twice.
 */
export function phaseLine(p: PhaseView): string {
  const state = phaseViewStateOf(p);
  const duration = p.durationSeconds ? formatSeconds(p.durationSeconds).padStart(7) : "       ";
  const progress = p.total > 0n ? `${p.current}/${p.total} ${p.unit}` : "";
  const detail = p.summary || (state === PhaseState.PENDING ? "" : progress);
  return `  ${ICON[state]} ${p.name.padEnd(24)} ${phaseStateWord(state).padEnd(10)} ${duration}${detail ? `  ${detail}` : ""}`.trimEnd();
}

/** The whole status block: header, one line per phase, the last activity lines. */
export function statusBlock(v: StatusView): string[] {
  return [statusHeader(v), ...v.phases.map(phaseLine), ...v.recentActivity.slice(-ACTIVITY_LINES).map((a) => `    ${activityText(a)}`)];
}

/**
 * What changed between two views of a watch, as lines for a log (a pipe, a file): phase lines whose
 * state or summary changed, activity lines not printed before, and the header when the run's status
 * changed. Progress ticks alone print nothing (the activity log samples them).
 */
export function statusChanges(prev: StatusView, next: StatusView): string[] {
  const lines: string[] = [];
  const before = new Map(prev.phases.map((p) => [p.phase, p]));
  for (const p of next.phases) {
    const old = before.get(p.phase);
    if (!old || phaseViewStateOf(old) !== phaseViewStateOf(p) || old.summary !== p.summary) lines.push(phaseLine(p));
  }
  const lastSeq = prev.recentActivity.at(-1)?.seq ?? -1n;
  for (const a of next.recentActivity) if (a.seq > lastSeq) lines.push(`    ${activityText(a)}`);
  if (viewStatusOf(prev) !== viewStatusOf(next) || prev.errorSummary !== next.errorSummary) lines.push(statusHeader(next));
  return lines;
}
