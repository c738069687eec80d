// The web app's JSON API over real HTTP with fake peers at the edge: the caller's token is
// forwarded, every call has a deadline, a missing risk service reads "not computed yet", uploads
// are bounded, admin endpoints refuse users.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createClock } from "@sigma/calendar";
import {
  GetPortfolioResponseSchema,
  GetPositionValuesResponseSchema,
  GetSnapshotsResponseSchema,
  ListPortfoliosResponseSchema,
  OnboardPortfolioResponseSchema,
  PortfolioSchema,
} from "@sigma/contracts";
import { type AuthConfig, issueToken } from "@sigma/runtime";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import { StatusWatchHub } from "../domain/watch.js";
import { StatusQueries } from "../usecases/status-queries.js";
import { appApiRoutes, lagTradingDays, MAX_UPLOAD_BYTES, type WebPeers } from "./app-api.js";
import { buildClientBundle } from "./client-bundle.js";
import { createWebHandler } from "./http.js";

const secret = "status-web-app-test-secret-0123456789abcdef";
const auth: AuthConfig = { mode: "jwt", secret };
const calls: Array<{ method: string; authorization: string | undefined; timeoutMs: number | undefined; req: unknown }> = [];
let riskError: ConnectError = new ConnectError("risk service: phases 3-6 not built yet", Code.Unimplemented);

type Opts = { headers?: Record<string, string>; timeoutMs?: number };
function record(method: string, req: unknown, opts?: Opts): void {
  calls.push({ method, authorization: opts?.headers?.authorization, timeoutMs: opts?.timeoutMs, req });
}

const portfolio = create(PortfolioSchema, {
  id: "p1",
  name: "Alpha",
  owner: "alice",
  firstEntryDate: "2019-01-02",
  watermarkDate: "2020-01-21",
});
const peers: WebPeers = {
  coordinator: {
    onboardPortfolio: async (req, opts) => {
      record("onboardPortfolio", req, opts as Opts);
      return create(OnboardPortfolioResponseSchema, { portfolioId: "p9", runId: "r9" });
    },
    runBatch: async () => {
      throw new Error("not used");
    },
    listRuns: async () => {
      throw new Error("not used");
    },
    cancelRun: async () => {
      throw new Error("not used");
    },
  },
  snapshot: {
    getPortfolio: async (req, opts) => {
      record("getPortfolio", req, opts as Opts);
      if (req.portfolioId !== "p1") throw new ConnectError(`portfolio ${req.portfolioId} is not yours`, Code.PermissionDenied);
      return create(GetPortfolioResponseSchema, { portfolio });
    },
    listPortfolios: async (req, opts) => {
      record("listPortfolios", req, opts as Opts);
      return create(ListPortfoliosResponseSchema, { portfolios: [portfolio] });
    },
    getSnapshots: async (req, opts) => {
      record("getSnapshots", req, opts as Opts);
      return create(GetSnapshotsResponseSchema, { snapshots: [{ date: "2020-01-21", nav: 100, cumulativePnl: 5 }] });
    },
    getPositionValues: async (req, opts) => {
      record("getPositionValues", req, opts as Opts);
      return create(GetPositionValuesResponseSchema, { date: "2020-01-21", values: [{ symbol: "AAPL", marketValue: 50, weight: 0.5 }] });
    },
  },
  risk: {
    getRiskReport: async () => {
      throw riskError;
    },
    getStoredStress: async () => {
      throw riskError;
    },
    listScenarios: async () => {
      throw riskError;
    },
  },
};

let server: http.Server;
let base: string;
let alice: string;
let admin: string;

before(async () => {
  alice = await issueToken(secret, "alice", ["user"]);
  admin = await issueToken(secret, "ops", ["user", "admin"]);
  const hub = new StatusWatchHub(new StatusProjection());
  const readiness = new ProjectionReadiness();
  readiness.markReady();
  const handler = createWebHandler({
    auth,
    queries: new StatusQueries(hub, readiness),
    client: await buildClientBundle(),
    onError: (e) => {
      throw e;
    },
    appRoutes: appApiRoutes({
      auth,
      peers,
      queries: new StatusQueries(hub, readiness),
      clock: createClock({ asOf: "2020-01-23" }),
      peerTimeoutMs: 1234,
    }),
  });
  server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const as = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

test("lag counts the trading days after the watermark up to the target", () => {
  assert.equal(lagTradingDays({ watermarkDate: "2020-01-21", firstEntryDate: "2019-01-02" }, "2020-01-23"), 2);
  assert.equal(lagTradingDays({ watermarkDate: "2020-01-23", firstEntryDate: "2019-01-02" }, "2020-01-23"), 0);
  // Without a snapshot: every trading day from the first entry (MLK day 2020-01-20 is closed).
  assert.equal(lagTradingDays({ watermarkDate: "", firstEntryDate: "2020-01-17" }, "2020-01-23"), 4);
  assert.equal(lagTradingDays({ watermarkDate: "", firstEntryDate: "" }, "2020-01-23"), null);
});

test("the portfolio page forwards the caller's token with a deadline; a missing risk service reads 'not computed'", async () => {
  calls.length = 0;
  const res = await as(alice, "/api/portfolio?id=p1&date=2020-01-21");
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, { state?: string; message?: string }>;
  assert.equal(body.risk!.state, "not_computed");
  assert.equal(body.stress!.state, "not_computed");
  assert.match(body.risk!.message!, /not built yet/);
  assert.deepEqual(
    calls.map((c) => [c.method, c.authorization, c.timeoutMs]),
    [
      ["getPortfolio", `Bearer ${alice}`, 1234],
      ["getSnapshots", `Bearer ${alice}`, 1234],
      ["getPositionValues", `Bearer ${alice}`, 1234],
    ],
  );
  assert.deepEqual(calls[2]!.req && (calls[2]!.req as { date: string }).date, "2020-01-21");

  // Another failure of the risk service is an error section, never a failed page.
  riskError = new ConnectError("boom", Code.Internal);
  const broken = (await (await as(alice, "/api/portfolio?id=p1")).json()) as Record<string, { state?: string; message?: string }>;
  assert.equal(broken.risk!.state, "error");
  assert.match(broken.risk!.message!, /risk service answered Internal: boom/);
  riskError = new ConnectError("nothing stored", Code.NotFound);
  assert.equal(((await (await as(alice, "/api/portfolio?id=p1")).json()) as { risk: { state: string } }).risk.state, "not_computed");
});

test("someone else's portfolio and a missing one get the same refusal; bad input is a 400; no token a 401", async () => {
  const denied = await as(alice, "/api/portfolio?id=p2");
  assert.equal(denied.status, 403);
  assert.deepEqual(await denied.json(), { code: "permission_denied", message: "portfolio p2 is not yours" });
  assert.equal((await as(alice, "/api/portfolio?id=p1&date=2020-13-01")).status, 400);
  assert.equal((await as(alice, "/api/portfolio")).status, 400);
  assert.equal((await fetch(`${base}/api/home`)).status, 401);
});

test("home lists portfolios with their lag; me says who is signed in", async () => {
  const home = (await (await as(alice, "/api/home")).json()) as { targetDate: string; portfolios: Array<{ lagTradingDays: number }> };
  assert.equal(home.targetDate, "2020-01-23");
  assert.equal(home.portfolios[0]!.lagTradingDays, 2);
  assert.deepEqual(await (await as(admin, "/api/me")).json(), { sub: "ops", admin: true, authMode: "jwt" });
});

test("uploads: the CSV is forwarded as bytes with name and equity; over 10 MB is a 413 before any call", async () => {
  calls.length = 0;
  const ok = await as(alice, "/api/onboard?name=Alpha&equity=1000000", { method: "POST", body: "Symbol,Quantity\n" });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { portfolioId: "p9", runId: "r9", errors: [] });
  const req = calls[0]!.req as { csv: Uint8Array; name: string; startingEquity: number };
  assert.equal(new TextDecoder().decode(req.csv), "Symbol,Quantity\n");
  assert.equal(req.name, "Alpha");
  assert.equal(req.startingEquity, 1_000_000);
  assert.equal(calls[0]!.authorization, `Bearer ${alice}`);

  calls.length = 0;
  const big = await as(alice, "/api/onboard?name=Big", { method: "POST", body: new Uint8Array(MAX_UPLOAD_BYTES + 1) });
  assert.equal(big.status, 413);
  assert.match(((await big.json()) as { message: string }).message, /larger than 10 MB/);
  assert.equal(calls.length, 0);
  assert.equal((await as(alice, "/api/onboard?name=", { method: "POST", body: "x" })).status, 400);
  assert.equal((await as(alice, "/api/onboard?name=A&equity=-5", { method: "POST", body: "x" })).status, 400);
  assert.equal((await as(alice, "/api/onboard?name=A")).status, 405);
});

test("operator endpoints need the admin role", async () => {
  const r = await as(alice, "/api/operator/runs");
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { code: "permission_denied", message: "admin role required" });
  assert.equal((await as(alice, "/api/operator/cancel?run=x", { method: "POST" })).status, 403);
  assert.equal((await as(alice, "/api/operator/run", { method: "POST", body: "{}" })).status, 403);
});

test("the app's screens are served as the page", async () => {
  for (const path of ["/onboard", "/operator", "/signin", "/portfolios/p1"]) {
    const res = await fetch(`${base}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(await res.text(), /<main id="app"/);
  }
});
