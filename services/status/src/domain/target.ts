import type { StatusTarget } from "@sigma/contracts";
import { InvalidArgumentError } from "@sigma/runtime";

/**
 * What a status query looks at: one run by id, or a portfolio (which means its latest run).
 * A plain domain value so the projection does not depend on how the target arrived
 * (gRPC request, URL query, CLI flag).
 */
export type TargetRef = { readonly runId: string } | { readonly portfolioId: string };

/** A missing, ambiguous, empty or malformed target (INVALID_ARGUMENT, HTTP 400). */
export class InvalidTargetError extends InvalidArgumentError {}

/** Run ids are UUIDs (the coordinator's `randomUUID()`), any version, any case. */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function runTarget(runId: string): TargetRef {
  if (!RUN_ID.test(runId)) throw new InvalidTargetError(`run id must be a UUID, got ${JSON.stringify(runId.slice(0, 64))}`);
  return { runId: runId.toLowerCase() };
}

/**
 * Converts the proto `StatusTarget` oneof into a {@link TargetRef}.
 *
 * @throws InvalidTargetError when the oneof is unset, the id is empty or a run id is not a UUID.
 */
export function targetFromProto(target: StatusTarget | undefined): TargetRef {
  const t = target?.target;
  if (t?.case === "runId" && t.value !== "") return runTarget(t.value);
  if (t?.case === "portfolioId" && t.value !== "") return { portfolioId: t.value };
  throw new InvalidTargetError("target must set a non-empty run_id or portfolio_id");
}

/**
 * Reads a target from URL query parameters `run=ID` or `portfolio=ID` (exactly one).
 *
 * @throws InvalidTargetError when neither or both are given, the id is empty or a run id is
 *   not a UUID.
 */
export function targetFromQuery(params: URLSearchParams): TargetRef {
  const run = params.get("run");
  const portfolio = params.get("portfolio");
  if (run !== null && portfolio !== null) {
    throw new InvalidTargetError("give either run or portfolio, not both");
  }
  if (run) return runTarget(run);
  if (portfolio) return { portfolioId: portfolio };
  throw new InvalidTargetError("missing query parameter run=ID or portfolio=ID");
}

/** Renders a target for messages and logs, e.g. `run r-1` or `portfolio p-7`. */
export function describeTarget(target: TargetRef): string {
  return "runId" in target ? `run ${target.runId}` : `portfolio ${target.portfolioId}`;
}
