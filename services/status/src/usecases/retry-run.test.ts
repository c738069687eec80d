import assert from "node:assert/strict";
import { test } from "node:test";
import { RunSource } from "@sigma/contracts";
import { NotFoundError, PermissionDeniedError, type Principal, UnimplementedError } from "@sigma/runtime";
import { ProjectionReadiness } from "../domain/readiness.js";
import { type RetryRunDeps, retryRun } from "./retry-run.js";

const ADMIN: Principal = { sub: "ops", roles: ["user", "admin"] };
const readiness = new ProjectionReadiness();
readiness.markReady();

/** The coordinator at the edge: records RunBatch requests. */
function coordinator(calls: unknown[]): NonNullable<RetryRunDeps["coordinator"]> {
  return {
    getRun: (async (req: { runId: string }) => ({
      run: {
        id: req.runId,
        portfolioId: "p",
        forceRerun: true,
        requestedStartDate: "2020-01-02",
        requestedEndDate: "2020-01-31",
        asOf: "",
      },
    })) as never,
    runBatch: (async (req: unknown) => {
      calls.push(req);
      return { runId: "new" };
    }) as never,
  };
}

test("Retry re-submits the run's request as an admin run", async () => {
  const calls: Array<Record<string, unknown>> = [];
  const deps: RetryRunDeps = { projection: { resolveRunId: () => "old" }, readiness, coordinator: coordinator(calls) };
  assert.deepEqual(await retryRun(deps, ADMIN, { portfolioId: "p" }), { runId: "new" });
  assert.equal(calls.length, 1);
  assert.deepEqual(
    { ...calls[0] },
    { portfolioId: "p", source: RunSource.ADMIN, forceRerun: true, startDate: "2020-01-02", endDate: "2020-01-31", asOf: "" },
  );
});

test("Retry refuses non-admins, needs a coordinator and a known run", async () => {
  const deps: RetryRunDeps = { projection: { resolveRunId: () => undefined }, readiness, coordinator: coordinator([]) };
  await assert.rejects(retryRun(deps, { sub: "alice", roles: ["user"] }, { portfolioId: "p" }), PermissionDeniedError);
  await assert.rejects(retryRun(deps, ADMIN, { portfolioId: "p" }), NotFoundError);
  await assert.rejects(retryRun({ ...deps, coordinator: undefined }, ADMIN, { portfolioId: "p" }), UnimplementedError);
});
