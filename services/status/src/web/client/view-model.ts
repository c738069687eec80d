/**
 * What the status page shows, computed from the StatusView proto JSON the server sends. Pure,
 * so it is unit-tested in Node; the DOM code (main.ts) only draws it.
 */
import { capitalize, phaseStateLabel, runStatusLabel } from "../../domain/labels.js";
import { formatDuration } from "./format.js";

/** The parts of a PhaseView (proto JSON) the page reads. */
export interface PhaseJson {
  name?: string;
  label?: string;
  /** Deprecated four-value state; read when `phaseState` is absent (an older server). */
  state?: string;
  phaseState?: string;
  durationSeconds?: number;
  current?: string | number;
  total?: string | number;
  unit?: string;
  summary?: string;
}

/** The parts of an ActivityEntry (proto JSON) the page reads. */
export interface ActivityJson {
  level?: string;
  message?: string;
  symbol?: string;
}

/** The parts of a StatusView (proto JSON) the page reads. */
export interface StatusJson {
  state?: string;
  runStatus?: string;
  runId?: string;
  portfolioId?: string;
  elapsedSeconds?: number;
  percent?: number;
  phasesCompleted?: number;
  phasesTotal?: number;
  phases?: PhaseJson[];
  recentActivity?: ActivityJson[];
  errorSummary?: string;
}

/** How a phase is drawn. */
export type PhaseKind = "done" | "running" | "pending" | "failed" | "incomplete" | "cancelled";
/** Which screen the page shows. */
export type Screen = "running" | "completed" | "failed" | "notfound";

export const SLOW_AFTER_SECONDS = 20 * 60;
const LOG_LINES = 10;
const ICONS: Record<PhaseKind, string> = {
  done: "\u2713",
  running: "",
  pending: "\u25CB",
  failed: "\u2717",
  incomplete: "\u25D0",
  cancelled: "\u2298",
};

/** One phase row. */
export interface PhaseModel {
  kind: PhaseKind;
  icon: string;
  /** The state in words ("cancelled"), for screen readers and tooltips. */
  stateLabel: string;
  name: string;
  label: string;
  duration: string;
  current: number;
  total: number;
  unit: string;
  fraction: number | null;
  summary: string;
}

/** Everything the page draws. */
export interface ViewModel {
  screen: Screen;
  stateLabel: string;
  cancelled: boolean;
  runId: string;
  elapsed: string;
  elapsedSeconds: number;
  slow: boolean;
  percent: number;
  phasesCompleted: number;
  phasesTotal: number;
  phases: PhaseModel[];
  current: PhaseModel | null;
  completed: PhaseModel[];
  log: Array<{ level: "info" | "warn" | "error"; text: string }>;
  warnings: string[];
  errorSummary: string;
}

/** The run status name of a view: `runStatus`, else derived from the status view's `state`. */
function runStatusName(s: StatusJson): string {
  if (s.runStatus && s.runStatus !== "RUN_STATUS_UNSPECIFIED") return s.runStatus;
  return (s.state ?? "").replace(/^RUN_STATE_/, "RUN_STATUS_");
}

function phaseStateName(p: PhaseJson): string {
  return p.phaseState && p.phaseState !== "PHASE_STATE_UNSPECIFIED" ? p.phaseState : (p.state ?? "");
}

function phaseKind(stateName: string): PhaseKind {
  switch (stateName) {
    case "PHASE_STATE_COMPLETED":
      return "done";
    case "PHASE_STATE_RUNNING":
      return "running";
    case "PHASE_STATE_FAILED":
      return "failed";
    case "PHASE_STATE_INCOMPLETE":
      return "incomplete";
    case "PHASE_STATE_CANCELLED":
      return "cancelled";
    default:
      return "pending";
  }
}

function screenFor(runStatus: string): Screen {
  switch (runStatus) {
    case "RUN_STATUS_RUNNING":
      return "running";
    case "RUN_STATUS_COMPLETED":
    case "RUN_STATUS_COMPLETED_WITH_WARNINGS":
      return "completed";
    case "RUN_STATUS_FAILED":
    case "RUN_STATUS_CANCELLED":
      return "failed";
    default:
      return "notfound";
  }
}

function levelKind(level: string | undefined): "info" | "warn" | "error" {
  if (level === "ACTIVITY_LEVEL_WARNING") return "warn";
  if (level === "ACTIVITY_LEVEL_ERROR") return "error";
  return "info";
}

/**
 * Warnings once per symbol and kind: lines that differ only in their numbers (one per chunk,
 * e.g. "GWR: no close on 1 of 21 dates") are listed once with how often they occurred.
 */
export function aggregateWarnings(activity: readonly ActivityJson[]): string[] {
  const groups = new Map<string, { first: string; count: number }>();
  for (const a of activity) {
    if (a.level !== "ACTIVITY_LEVEL_WARNING") continue;
    const message = a.message ?? "";
    const key = `${a.symbol ?? ""}\u0000${message.replace(/\d+(\.\d+)?/g, "#")}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { first: message, count: 1 });
  }
  return [...groups.values()].map((g) => (g.count > 1 ? `${g.first} (\u00D7${g.count})` : g.first));
}

/**
 * Turns a StatusView (proto JSON) into what the page shows. `sinceSeconds` is the local time
 * since the view was received: a running run's elapsed time and running phase keep ticking
 * without trusting the browser's clock against the server's.
 */
export function viewModel(status: StatusJson | null | undefined, sinceSeconds: number): ViewModel {
  const s = status ?? {};
  const runStatus = runStatusName(s);
  const running = runStatus === "RUN_STATUS_RUNNING";
  const extra = running ? Math.max(0, Number(sinceSeconds) || 0) : 0;
  const elapsed = Number(s.elapsedSeconds ?? 0) + extra;
  const phases = (s.phases ?? []).map((p): PhaseModel => {
    const stateName = phaseStateName(p);
    const kind = phaseKind(stateName);
    const current = Number(p.current ?? 0);
    const total = Number(p.total ?? 0);
    const duration = Number(p.durationSeconds ?? 0) + (kind === "running" ? extra : 0);
    return {
      kind,
      icon: ICONS[kind],
      stateLabel: phaseStateLabel(stateName),
      name: p.name ?? "",
      label: p.label ?? "",
      duration: kind === "pending" ? "" : formatDuration(duration),
      current,
      total,
      unit: p.unit ?? "",
      fraction: total > 0 ? Math.min(1, Math.max(0, current / total)) : null,
      summary: p.summary ?? "",
    };
  });
  const activity = s.recentActivity ?? [];
  const screen = screenFor(runStatus);
  return {
    screen,
    stateLabel: screen === "notfound" ? "Not found" : capitalize(runStatusLabel(runStatus)),
    cancelled: runStatus === "RUN_STATUS_CANCELLED",
    runId: s.runId ?? "",
    elapsed: formatDuration(elapsed),
    elapsedSeconds: elapsed,
    slow: running && elapsed >= SLOW_AFTER_SECONDS,
    percent: Math.max(0, Math.min(100, Math.round(Number(s.percent ?? 0)))),
    phasesCompleted: Number(s.phasesCompleted ?? 0),
    phasesTotal: Number(s.phasesTotal ?? 0),
    phases,
    current: phases.find((p) => p.kind === "running") ?? null,
    completed: phases.filter((p) => p.kind === "done"),
    log: activity.slice(-LOG_LINES).map((a) => ({ level: levelKind(a.level), text: a.message ?? "" })),
    warnings: aggregateWarnings(activity),
    errorSummary: s.errorSummary ?? "",
  };
}

/** True for a view of a run that has ended: its watch stream ends after it. */
export function isFinal(status: StatusJson | null | undefined): boolean {
  const screen = screenFor(runStatusName(status ?? {}));
  return screen === "completed" || screen === "failed";
}
