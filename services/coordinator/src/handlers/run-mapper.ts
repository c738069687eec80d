import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { PhaseRunSchema, type Run, RunSchema, RunStatus, SymbolProblemSchema } from "@sigma/contracts";
import { countersToProto } from "../domain/reporter.js";
import { RUN_STATUS_TO_PROTO, type RunRecord, type RunStatusText } from "../domain/run-record.js";

/** Converts a run record to its Protobuf form. */
export function runToProto(r: RunRecord): Run {
  return create(RunSchema, {
    id: r.id,
    source: r.source,
    scope: r.scope,
    portfolioId: r.portfolioId,
    requestedStartDate: r.requestedStartDate,
    requestedEndDate: r.requestedEndDate,
    forceRerun: r.forceRerun,
    status: RUN_STATUS_TO_PROTO[r.status],
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
    warnings: r.warnings,
  });
}

/** Maps a proto status filter to the stored text (UNSPECIFIED → no filter). */
export function statusFilter(s: RunStatus): RunStatusText | undefined {
  const entry = Object.entries(RUN_STATUS_TO_PROTO).find(([, v]) => v === s);
  return s === RunStatus.UNSPECIFIED ? undefined : (entry?.[0] as RunStatusText | undefined);
}
