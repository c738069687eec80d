import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type LegacyRunStatus, PhaseRunSchema, type Run, RunSchema, type RunStatus, SymbolProblemSchema } from "@sigma/contracts";
import { InvalidArgumentError } from "@sigma/runtime";
import type { RunRecord, RunStatusText } from "../domain/run-record.js";
import { countersToProto } from "../runner/reporter.js";
import {
  PHASE_STATE_TO_PROTO,
  RUN_SOURCE_TO_PROTO,
  RUN_STATUS_TO_LEGACY,
  RUN_STATUS_TO_PROTO,
  runStatusFromLegacy,
  runStatusFromProto,
} from "../runner/status-enums.js";

/** Converts a run record to its Protobuf form: the shared enums plus the deprecated fields old readers use. */
export function runToProto(r: RunRecord): Run {
  return create(RunSchema, {
    id: r.id,
    source: RUN_SOURCE_TO_PROTO[r.source],
    scope: r.scope,
    portfolioId: r.portfolioId,
    requestedStartDate: r.requestedStartDate,
    requestedEndDate: r.requestedEndDate,
    forceRerun: r.forceRerun,
    runStatus: RUN_STATUS_TO_PROTO[r.status],
    status: RUN_STATUS_TO_LEGACY[r.status],
    startedAt: timestampFromDate(r.startedAt),
    finishedAt: r.finishedAt ? timestampFromDate(r.finishedAt) : undefined,
    heartbeatAt: timestampFromDate(r.heartbeatAt),
    targetDate: r.targetDate,
    startDate: r.startDate,
    endDate: r.endDate,
    datesTotal: r.datesTotal,
    datesCompleted: r.datesCompleted,
    datesFailed: r.datesFailed,
    phases: r.phases.map((p) =>
      create(PhaseRunSchema, {
        phase: p.phase,
        phaseState: PHASE_STATE_TO_PROTO[p.state],
        state: p.state,
        durationSeconds: p.durationSeconds,
        counters: countersToProto(p.counters),
        summary: p.summary,
      }),
    ),
    problems: r.problems.map((p) => create(SymbolProblemSchema, p)),
    errorSummary: r.errorSummary,
    eventsUndelivered: r.eventsUndelivered,
    asOf: r.asOf,
    // Problems beyond the kept ones are counted, never silently dropped.
    warnings:
      r.problemsOmitted > 0
        ? [...r.warnings, `${r.problemsOmitted} more problem(s) not listed (first ${r.problems.length} kept)`]
        : r.warnings,
  });
}

/**
 * The ListRuns status filter: `run_status` when set, else the deprecated `status` (same values);
 * unspecified → no filter.
 *
 * @throws InvalidArgumentError for a value outside either enum, or both set to different statuses.
 */
export function statusFilter(runStatus: RunStatus, legacy: LegacyRunStatus): RunStatusText | undefined {
  const fromNew = runStatus ? runStatusFromProto(runStatus) : undefined;
  const fromOld = legacy ? runStatusFromLegacy(legacy) : undefined;
  const violations: { field: string; description: string }[] = [];
  if (runStatus && !fromNew) violations.push({ field: "run_status", description: `unknown run status ${runStatus}` });
  if (legacy && !fromOld) violations.push({ field: "status", description: `unknown run status ${legacy}` });
  if (fromNew && fromOld && fromNew !== fromOld)
    violations.push({ field: "status", description: "differs from run_status (set only run_status)" });
  if (violations.length) throw new InvalidArgumentError("invalid ListRuns filter", { violations });
  return fromNew ?? fromOld;
}
