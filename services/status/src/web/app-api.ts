/**
 * The web app's JSON API (served by the status service next to the run page's endpoints). The
 * browser talks only to this service; each endpoint authenticates the request exactly like the
 * RPCs, then forwards the caller's own bearer token to the coordinator, snapshot or risk
 * service, so those services apply their access rules (owner or admin; anyone else gets the
 * same PERMISSION_DENIED whether or not the portfolio exists). Every forwarded call has a
 * deadline and is aborted when the browser goes away.
 *
 * Plain JSON over HTTP (not Connect from the browser): the page keeps one small typed fetch
 * layer instead of bundling the protobuf runtime and generated code, and the server decides
 * deadlines, the upload bound and how a missing risk section reads.
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import { Code, type Client, ConnectError } from "@connectrpc/connect";
import { addCalendarDays, type Clock, countTradingDays, isIsoDate } from "@sigma/calendar";
import {
  CancelRunResponseSchema,
  type CoordinatorService,
  GetPortfolioResponseSchema,
  GetPositionValuesResponseSchema,
  GetRiskReportResponseSchema,
  GetSnapshotsResponseSchema,
  GetStoredStressResponseSchema,
  ListRunsResponseSchema,
  ListScenariosResponseSchema,
  OnboardPortfolioResponseSchema,
  type Portfolio,
  type RiskService,
  RunBatchResponseSchema,
  RunSource,
  type SnapshotService,
} from "@sigma/contracts";
import { type AuthConfig, authenticate, InvalidArgumentError, isAdmin, PermissionDeniedError, type Principal } from "@sigma/runtime";
import { runStatusLabel } from "../domain/labels.js";
import { targetFromQuery } from "../domain/target.js";
import type { StatusQueries } from "../usecases/status-queries.js";
import { headerOf, readBody, type WebRequest, type WebResponse, type WebRoute } from "./transport.js";

/** SPEC §6: a portfolio CSV is at most 10 MB. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Largest JSON body of the operator's POSTs. */
const MAX_JSON_BODY_BYTES = 16 * 1024;
const JSON_OPTIONS = { alwaysEmitImplicit: true } as const;

/** The services the web app forwards to; clients without a token of their own. */
export interface WebPeers {
  readonly coordinator: Pick<Client<typeof CoordinatorService>, "onboardPortfolio" | "runBatch" | "listRuns" | "cancelRun">;
  readonly snapshot: Pick<Client<typeof SnapshotService>, "getPortfolio" | "listPortfolios" | "getSnapshots" | "getPositionValues">;
  readonly risk: Pick<Client<typeof RiskService>, "getRiskReport" | "getStoredStress" | "listScenarios">;
}

/** What {@link appApiRoutes} needs. */
export interface AppApiDeps {
  readonly auth: AuthConfig;
  readonly peers: WebPeers;
  readonly queries: Pick<StatusQueries, "getWarnings" | "recentRuns">;
  /** The pinnable clock (watermark lag is counted to its target date). */
  readonly clock: Clock;
  /** Deadline of each forwarded call (ms). */
  readonly peerTimeoutMs: number;
}

/** A section of the portfolio page that may be missing without failing the page. */
export type Section<T> =
  | { readonly state: "ok"; readonly data: T }
  /** UNIMPLEMENTED (the risk service is not deployed yet) or NOT_FOUND (nothing stored for the date). */
  | { readonly state: "not_computed"; readonly message: string }
  | { readonly state: "error"; readonly code: string; readonly message: string };

/** A portfolio with how far its watermark is behind the clock's target date. */
export interface PortfolioSummaryJson {
  id: string;
  name: string;
  owner: string;
  active: boolean;
  firstEntryDate: string;
  watermarkDate: string;
  /** Trading days in (watermark, target]; null when the first entry date is after the target. */
  lagTradingDays: number | null;
}

/**
 * Trading days a portfolio lacks up to `target`: those in (watermark, target], or in
 * [first entry date, target] when it has no snapshot yet.
 *
 * @returns 0 when up to date; null when neither date is known
 */
export function lagTradingDays(p: Pick<Portfolio, "watermarkDate" | "firstEntryDate">, target: string): number | null {
  const from = p.watermarkDate ? addCalendarDays(p.watermarkDate, 1) : p.firstEntryDate;
  if (!isIsoDate(from) || !isIsoDate(target)) return null;
  return from > target ? 0 : countTradingDays(from, target);
}

/**
 * The web app's API routes:
 * - `GET /api/me` — `{ sub, admin, authMode }` (401 without a valid token in jwt mode);
 * - `GET /api/home` — `{ targetDate, portfolios: PortfolioSummaryJson[], runs }`: the caller's
 *   portfolios (admins: all) with watermark lag, and recent runs from the status projection;
 * - `POST /api/onboard?name=N[&equity=E]` — body: the CSV (≤ 10 MB, else 413); answers the
 *   OnboardPortfolioResponse (`portfolioId`, `runId`, or `errors` with row/column/code/message);
 * - `GET /api/portfolio?id=ID[&date=D]` — the portfolio, its snapshots, the position values on
 *   (or before) D, and the risk report, stored stress results and scenario names as
 *   {@link Section}s;
 * - `GET /api/warnings?run=ID|portfolio=ID` — the run's warnings aggregated per symbol and reason;
 * - `GET /api/operator/runs[?limit=N]` — ListRuns (admin);
 * - `POST /api/operator/run` — body `{ portfolioId?, forceRerun?, startDate?, endDate?, dryRun? }`
 *   → RunBatchResponse (admin, source ADMIN);
 * - `POST /api/operator/cancel?run=ID` — CancelRunResponse (admin).
 */
export function appApiRoutes(deps: AppApiDeps): Record<string, WebRoute> {
  const { peers } = deps;
  /** The caller's principal and the call options that forward their token with a deadline. */
  const caller = async (req: WebRequest, res: WebResponse) => {
    const authorization = headerOf(req, "authorization");
    const principal = await authenticate(deps.auth, authorization);
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    const headers: Record<string, string> = authorization ? { authorization } : {};
    return { principal, opts: { headers, timeoutMs: deps.peerTimeoutMs, signal: abort.signal } };
  };

  return {
    "/api/me": {
      method: "GET",
      async handle(req, res) {
        const { principal } = await caller(req, res);
        sendJson(res, 200, { sub: principal.sub, admin: isAdmin(principal), authMode: deps.auth.mode });
      },
    },
    "/api/home": {
      method: "GET",
      async handle(req, res) {
        const { principal, opts } = await caller(req, res);
        const target = deps.clock.targetDate();
        const list = await forward("snapshot", peers.snapshot.listPortfolios({}, opts));
        const portfolios: PortfolioSummaryJson[] = list.portfolios.map((p) => ({
          id: p.id,
          name: p.name,
          owner: p.owner,
          active: p.active,
          firstEntryDate: p.firstEntryDate,
          watermarkDate: p.watermarkDate,
          lagTradingDays: lagTradingDays(p, target),
        }));
        const runs = deps.queries.recentRuns(principal, 20).map((r) => ({
          runId: r.runId,
          portfolioIds: r.portfolioIds,
          status: runStatusLabel(`RUN_STATUS_${statusName(r.status)}`),
          source: r.source,
          startedAt: r.startedAtMs === null ? null : new Date(r.startedAtMs).toISOString(),
          finishedAt: r.finishedAtMs === null ? null : new Date(r.finishedAtMs).toISOString(),
          errorSummary: r.errorSummary,
          warnings: r.warnings,
        }));
        sendJson(res, 200, { targetDate: target, portfolios, runs });
      },
    },
    "/api/onboard": {
      method: "POST",
      async handle(req, res, url) {
        const { opts } = await caller(req, res);
        const name = (url.searchParams.get("name") ?? "").trim();
        if (name === "" || name.length > 200) throw new InvalidArgumentError("give the portfolio a name (1 to 200 characters)");
        const equityRaw = (url.searchParams.get("equity") ?? "").trim();
        const equity = equityRaw === "" ? undefined : Number(equityRaw);
        if (equity !== undefined && !(Number.isFinite(equity) && equity > 0)) {
          throw new InvalidArgumentError(`starting equity must be a positive number, got "${String(equityRaw).slice(0, 40)}"`);
        }
        const csv = await readBody(req, MAX_UPLOAD_BYTES, "the portfolio file is larger than 10 MB (the limit for a portfolio CSV)");
        // Importing twice would store two portfolios: the coordinator client never repeats this call.
        const answer = await forward("coordinator", peers.coordinator.onboardPortfolio({ csv, name, startingEquity: equity }, opts));
        sendJson(res, 200, toJson(OnboardPortfolioResponseSchema, answer, JSON_OPTIONS));
      },
    },
    "/api/portfolio": {
      method: "GET",
      async handle(req, res, url) {
        const { opts } = await caller(req, res);
        const id = (url.searchParams.get("id") ?? "").trim();
        if (id === "" || id.length > 100) throw new InvalidArgumentError("portfolio id missing (?id=…)");
        const date = (url.searchParams.get("date") ?? "").trim();
        if (date !== "" && !isIsoDate(date)) throw new InvalidArgumentError(`date must be YYYY-MM-DD, got "${String(date).slice(0, 40)}"`);
        // The access check: the snapshot service answers PERMISSION_DENIED to anyone but the
        // owner or an admin, for a missing portfolio too, so nothing else is asked before it.
        const portfolio = await forward("snapshot", peers.snapshot.getPortfolio({ portfolioId: id }, opts));
        const [snapshots, positions, risk, stress, scenarios] = await Promise.all([
          forward("snapshot", peers.snapshot.getSnapshots({ portfolioId: id }, opts)),
          forward("snapshot", peers.snapshot.getPositionValues({ portfolioId: id, date }, opts)),
          section(GetRiskReportResponseSchema, "risk", peers.risk.getRiskReport({ portfolioId: id, date }, opts)),
          section(GetStoredStressResponseSchema, "risk", peers.risk.getStoredStress({ portfolioId: id, date }, opts)),
          section(ListScenariosResponseSchema, "risk", peers.risk.listScenarios({ includeInactive: true }, opts)),
        ]);
        sendJson(res, 200, {
          portfolio: toJson(GetPortfolioResponseSchema, portfolio, JSON_OPTIONS),
          snapshots: toJson(GetSnapshotsResponseSchema, snapshots, JSON_OPTIONS),
          positions: toJson(GetPositionValuesResponseSchema, positions, JSON_OPTIONS),
          risk,
          stress,
          scenarios,
        });
      },
    },
    "/api/warnings": {
      method: "GET",
      async handle(req, res, url) {
        const { principal } = await caller(req, res);
        sendJson(res, 200, deps.queries.getWarnings(principal, targetFromQuery(url.searchParams)));
      },
    },
    "/api/operator/runs": {
      method: "GET",
      async handle(req, res, url) {
        const { principal, opts } = await caller(req, res);
        requireAdminPrincipal(principal);
        const limit = Number(url.searchParams.get("limit") ?? "30");
        if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new InvalidArgumentError("limit must be an integer in 1..200");
        const [runs, list] = await Promise.all([
          forward("coordinator", peers.coordinator.listRuns({ limit }, opts)),
          forward("snapshot", peers.snapshot.listPortfolios({}, opts)),
        ]);
        const target = deps.clock.targetDate();
        sendJson(res, 200, {
          targetDate: target,
          runs: toJson(ListRunsResponseSchema, runs, JSON_OPTIONS),
          portfolios: list.portfolios.map((p) => ({
            id: p.id,
            name: p.name,
            owner: p.owner,
            active: p.active,
            firstEntryDate: p.firstEntryDate,
            watermarkDate: p.watermarkDate,
            lagTradingDays: lagTradingDays(p, target),
          })),
        });
      },
    },
    "/api/operator/run": {
      method: "POST",
      async handle(req, res) {
        const { principal, opts } = await caller(req, res);
        requireAdminPrincipal(principal);
        const body = parseJsonObject(await readBody(req, MAX_JSON_BODY_BYTES, "request body too large"));
        const str = (k: string): string => {
          const v = body[k];
          if (v === undefined || v === null) return "";
          if (typeof v !== "string") throw new InvalidArgumentError(`${k} must be a string`);
          return v.trim();
        };
        const answer = await forward(
          "coordinator",
          peers.coordinator.runBatch(
            {
              portfolioId: str("portfolioId"),
              source: RunSource.ADMIN,
              forceRerun: body.forceRerun === true,
              startDate: str("startDate"),
              endDate: str("endDate"),
              dryRun: body.dryRun === true,
            },
            opts,
          ),
        );
        sendJson(res, 200, toJson(RunBatchResponseSchema, answer, JSON_OPTIONS));
      },
    },
    "/api/operator/cancel": {
      method: "POST",
      async handle(req, res, url) {
        const { principal, opts } = await caller(req, res);
        requireAdminPrincipal(principal);
        const runId = (url.searchParams.get("run") ?? "").trim();
        if (runId === "") throw new InvalidArgumentError("run id missing (?run=…)");
        const answer = await forward("coordinator", peers.coordinator.cancelRun({ runId }, opts));
        sendJson(res, 200, toJson(CancelRunResponseSchema, answer, JSON_OPTIONS));
      },
    },
  };
}

function statusName(status: number): string {
  return ["UNSPECIFIED", "RUNNING", "COMPLETED", "COMPLETED_WITH_WARNINGS", "FAILED", "CANCELLED"][status] ?? "UNSPECIFIED";
}

function requireAdminPrincipal(p: Principal): void {
  if (!isAdmin(p)) throw new PermissionDeniedError("admin role required");
}

/**
 * Awaits a forwarded call. The peer's answer keeps its code; a transport failure or deadline
 * names the service, so "unavailable" tells the reader which part of Sigma is down.
 */
async function forward<T>(service: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    const e = ConnectError.from(err);
    if (e.code === Code.Unavailable || e.code === Code.DeadlineExceeded) {
      throw new ConnectError(`the ${service} service did not answer: ${e.rawMessage}`, e.code, undefined, undefined, e);
    }
    throw e;
  }
}

/**
 * A risk-service answer as a page section: UNIMPLEMENTED (not deployed yet) and NOT_FOUND
 * (nothing stored for the portfolio or date) read "not computed yet"; other failures are an
 * error section; the page renders either instead of failing.
 */
async function section<D extends DescMessage>(schema: D, service: string, call: Promise<MessageShape<D>>): Promise<Section<unknown>> {
  try {
    return { state: "ok", data: toJson(schema, await call, JSON_OPTIONS) };
  } catch (err) {
    const e = ConnectError.from(err);
    if (e.code === Code.Unimplemented || e.code === Code.NotFound) return { state: "not_computed", message: e.rawMessage };
    const code = Code[e.code] ?? "Unknown";
    return { state: "error", code, message: `the ${service} service answered ${code}: ${e.rawMessage}` };
  }
}

function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new InvalidArgumentError("the request body must be a JSON object");
}

function sendJson(res: WebResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(body));
}
