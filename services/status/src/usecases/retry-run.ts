import type { Client } from "@connectrpc/connect";
import { type CoordinatorService, RunSource } from "@sigma/contracts";
import { NotFoundError, type Principal, UnimplementedError } from "@sigma/runtime";
import type { ProjectionReadiness } from "../domain/readiness.js";
import { describeTarget, type TargetRef } from "../domain/target.js";
import { authorizeRetry } from "./access.js";

/** What {@link retryRun} needs. */
export interface RetryRunDeps {
  /** Finds the run a target means (a portfolio's latest run). */
  readonly projection: { resolveRunId(target: TargetRef): string | undefined };
  readonly readiness: ProjectionReadiness;
  /** The coordinator; absent when this deployment has no Retry (→ UNIMPLEMENTED). */
  readonly coordinator?: Pick<Client<typeof CoordinatorService>, "getRun" | "runBatch">;
}

/**
 * Retry = the same request again: the run's requested range and force flag, as an admin run.
 *
 * @returns the id of the new run
 * @throws PermissionDeniedError, UnavailableError (replaying), NotFoundError when the target
 *   has no run, UnimplementedError without a coordinator; the coordinator's errors as they are
 *   (e.g. ALREADY_EXISTS while an overlapping run is running)
 */
export async function retryRun(deps: RetryRunDeps, principal: Principal, target: TargetRef): Promise<{ runId: string }> {
  authorizeRetry(principal);
  if (!deps.coordinator) throw new UnimplementedError("retry (no coordinator configured)");
  deps.readiness.requireReady();
  const runId = deps.projection.resolveRunId(target);
  if (!runId) throw new NotFoundError(`no run found for ${describeTarget(target)}`);
  const { run } = await deps.coordinator.getRun({ runId });
  if (!run) throw new NotFoundError(`run ${runId} not found`);
  const res = await deps.coordinator.runBatch({
    portfolioId: run.portfolioId,
    source: RunSource.ADMIN,
    forceRerun: run.forceRerun,
    startDate: run.requestedStartDate,
    endDate: run.requestedEndDate,
    asOf: run.asOf,
  });
  return { runId: res.runId };
}
