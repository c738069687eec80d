import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { ActivityLevel, Phase, RunStatus } from "@sigma/contracts";
import { type AuthConfig, issueToken, type Principal } from "@sigma/runtime";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import type { TargetRef } from "../domain/target.js";
import { StatusWatchHub } from "../domain/watch.js";
import { StatusQueries } from "../usecases/status-queries.js";
import { buildClientBundle, type ClientBundle } from "./client-bundle.js";
import { createWebHandler, type WebHandlerDeps } from "./http.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);
const RUN = "0b9a3a4e-7c1d-4e8f-9a2b-3c4d5e6f7a80";
const OTHER = "1c8b2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const secret = "status-web-test-secret-0123456789abcdef";
const auth: AuthConfig = { mode: "jwt", secret };
const hub = new StatusWatchHub(new StatusProjection(), { now: () => new Date(T0 + 60_000) });
const readiness = new ProjectionReadiness();
const queries = new StatusQueries(hub, readiness, { now: () => new Date(T0 + 60_000), unknownRunGraceMs: 50 });
const b = new RunEventBuilder(RUN, ["p1"], T0);
const errors: unknown[] = [];
const retries: Array<{ principal: Principal; target: TargetRef }> = [];
let server: http.Server;
let base: string;
let client: ClientBundle;
let admin: string;
let user: string;

/** fetch with an admin bearer token unless `init.headers` says otherwise. */
const get = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${admin}`, ...init.headers } });

function deps(extra: Partial<WebHandlerDeps> = {}): WebHandlerDeps {
  return { auth, queries, client, onError: (e) => errors.push(e), ...extra };
}

async function listen(handler: ReturnType<typeof createWebHandler>): Promise<{ url: string; close(): Promise<unknown> }> {
  const bare = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`,
    close: () => {
      bare.closeAllConnections();
      return new Promise((resolve) => bare.close(resolve));
    },
  };
}

before(async () => {
  admin = await issueToken(secret, "ops", ["user", "admin"]);
  user = await issueToken(secret, "alice", ["user"]);
  client = await buildClientBundle();
  [
    b.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS]),
    b.phaseStarted(Phase.MARKET_DATA, 2, "symbols"),
    b.activity("HZNP: symbol unavailable (delisted)", ActivityLevel.WARNING, "HZNP"),
  ].forEach((e, i) => hub.apply(i + 1, e));
  readiness.markReady();
  const handler = createWebHandler(
    deps({
      retry: async (principal, t) => {
        retries.push({ principal, target: t });
        return { runId: "run-2" };
      },
    }),
  );
  server = http.createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(404);
      res.end("not a web route");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  assert.deepEqual(errors, []);
});

test("GET / serves the page and its bundled script", async () => {
  const res = await fetch(`${base}/?portfolio=p1`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  const html = await res.text();
  assert.match(html, /Download log/);
  assert.match(html, /\{"retry":true\}/);
  const src = /<script src="([^"]+)"><\/script>/.exec(html)?.[1];
  assert.equal(src, `/assets/status-page.js?v=${client.hash}`);
  const script = await fetch(`${base}${src}`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /javascript/);
  assert.equal(await script.text(), client.code);
});

test("GET /api/status returns the StatusView as proto JSON; an unknown run is a 404, a portfolio without runs a NOT_FOUND view", async () => {
  const res = await get("/api/status?portfolio=p1");
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(body.state, "RUN_STATE_RUNNING");
  assert.equal(body.runStatus, "RUN_STATUS_RUNNING");
  assert.equal(body.runId, RUN);
  assert.equal(body.currentPhase, "PHASE_MARKET_DATA");
  assert.equal(body.elapsedSeconds, 60);
  assert.equal(body.phases.length, 2);
  assert.equal(body.phases[1].state, "PHASE_STATE_PENDING");
  assert.equal(body.phases[1].phaseState, "PHASE_STATE_PENDING");
  assert.equal(body.lastSeq, "3");

  const missing = await get(`/api/status?run=${OTHER}`);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { code: "not_found", message: `run ${OTHER} not found` });
  const empty = (await (await get("/api/status?portfolio=nobody")).json()) as Record<string, any>;
  assert.equal(empty.state, "RUN_STATE_NOT_FOUND");
});

test("bad requests map like the RPCs: 400 invalid target, 401 no or bad token, 403 non-admin, 405, unknown path", async () => {
  const problem = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];
  assert.deepEqual(await problem(await get("/api/status")), [400, "invalid_argument"]);
  assert.deepEqual(await problem(await get("/api/status?run=a&portfolio=b")), [400, "invalid_argument"]);
  assert.deepEqual(await problem(await get("/api/status?run=not-a-uuid")), [400, "invalid_argument"]);
  assert.equal((await get(`/api/status?run=${RUN}`, { method: "POST" })).status, 405);
  assert.equal((await get("/api/retry?portfolio=p1")).status, 405);
  assert.deepEqual(await problem(await fetch(`${base}/api/status?portfolio=p1`)), [401, "unauthenticated"]);
  assert.deepEqual(await problem(await get("/api/status?portfolio=p1", { headers: { authorization: "Bearer intruder" } })), [
    401,
    "unauthenticated",
  ]);
  assert.deepEqual(await problem(await get("/api/status?portfolio=p1", { headers: { authorization: `Basic ${admin}` } })), [
    401,
    "unauthenticated",
  ]);
  // A non-admin is refused whether or not the run exists.
  for (const run of [RUN, OTHER]) {
    assert.deepEqual(await problem(await get(`/api/status?run=${run}`, { headers: { authorization: `Bearer ${user}` } })), [
      403,
      "permission_denied",
    ]);
  }
  assert.equal((await get("/api/events?portfolio=p1&after=x")).status, 400);
  const other = await fetch(`${base}/metrics`);
  assert.equal(other.status, 404);
  assert.equal(await other.text(), "not a web route");
});

test("the Bearer scheme is case-insensitive, as for the RPCs", async () => {
  for (const scheme of ["bearer", "BEARER", "Bearer"]) {
    const res = await get("/api/status?portfolio=p1", { headers: { authorization: `${scheme} ${admin}` } });
    assert.equal(res.status, 200, scheme);
  }
});

test("GET /api/log downloads the full log as an attachment", async () => {
  const res = await get("/api/log?portfolio=p1");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(res.headers.get("content-disposition"), `attachment; filename="sigma-run-${RUN}.log"`);
  const lines = (await res.text()).trimEnd().split("\n");
  assert.equal(lines[0], `# Sigma run ${RUN}: 3 activity lines`);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /^2020-01-23T23:30:02\.000Z WARN {2}\[seq 3\] HZNP: symbol unavailable \(delisted\)$/);
  assert.equal((await get("/api/log?portfolio=unknown")).status, 404);
  assert.equal((await get(`/api/log?run=${OTHER}`)).status, 404);
});

/** Reads SSE messages from a fetch body until `count` status events arrived. */
async function readEvents(res: Response, count: number): Promise<Array<{ id: string; data: any }>> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const out: Array<{ id: string; data: any }> = [];
  while (out.length < count) {
    const chunk = await reader.read();
    if (chunk.done) throw new Error(`stream ended after ${out.length} events`);
    buf += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id !== undefined && data !== undefined && /^event: status$/m.test(block)) out.push({ id, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return out;
}

test("GET /api/events streams the current status, then changes; Last-Event-ID resumes", async () => {
  const controller = new AbortController();
  const res = await get("/api/events?portfolio=p1", { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const pending = readEvents(res, 2);
  // The first message is sent on subscribe; this event arrives while the stream is open.
  await waitFor(() => hub.size === 1);
  hub.apply(4, b.phaseProgress(Phase.MARKET_DATA, 1, 2, "symbols"));
  const [first, second] = await pending;
  controller.abort();
  assert.equal(first!.id, "3");
  assert.equal(first!.data.status.state, "RUN_STATE_RUNNING");
  assert.equal(first!.data.event, undefined);
  assert.equal(second!.id, "4");
  assert.equal(second!.data.event.phaseProgress.current, "1");
  assert.equal(second!.data.status.phases[0].current, "1");
  await waitFor(() => hub.size === 0);

  // Reconnect with the last id: nothing new yet, so the first message is the next change.
  const again = new AbortController();
  const resumed = await get("/api/events?portfolio=p1&after=1", { signal: again.signal, headers: { "Last-Event-ID": "4" } });
  const next = readEvents(resumed, 1);
  await waitFor(() => hub.size === 1);
  hub.apply(5, b.phaseFinished(Phase.MARKET_DATA, true, 2, "2/2 symbols"));
  const [only] = await next;
  again.abort();
  assert.equal(only!.id, "5");
  assert.equal(only!.data.event.phaseFinished.summary, "2/2 symbols");
  await waitFor(() => hub.size === 0);
});

test("/api/events ends after the run's final event", async () => {
  const r = new RunEventBuilder(OTHER, [], T0);
  hub.apply(10, r.runStarted([Phase.MARKET_DATA]));
  const res = await get(`/api/events?run=${OTHER}`);
  assert.equal(res.status, 200);
  const body = res.text();
  await waitFor(() => hub.size === 1);
  hub.apply(11, r.phaseStarted(Phase.MARKET_DATA, 1, "symbols"));
  hub.apply(12, r.runFinished(RunStatus.COMPLETED));
  const text = await body; // resolves only because the server ended the response
  assert.deepEqual(
    [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]),
    ["10", "11", "12"],
  );
  assert.equal(hub.size, 0);
  // A finished run: the current state once, then the end.
  assert.deepEqual(
    [...(await (await get(`/api/events?run=${OTHER}`)).text()).matchAll(/^id: (\d+)$/gm)].map((m) => m[1]),
    ["12"],
  );
});

test("/api/events on an unknown run answers 404 after the grace period", async () => {
  const res = await get("/api/events?run=2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60");
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { code: string }).code, "not_found");
  assert.equal(hub.size, 0);
});

test("POST /api/retry calls retry with the principal and the target", async () => {
  const res = await get("/api/retry?portfolio=p1", { method: "POST" });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { runId: "run-2" });
  assert.deepEqual(
    retries.map((r) => [r.principal.sub, r.target]),
    [["ops", { portfolioId: "p1" }]],
  );
});

test("without live updates and retry: /api/events and /api/retry are 501 and the Retry button is disabled", async () => {
  const bare = await listen(createWebHandler(deps({ liveUpdates: false })));
  try {
    const h = { headers: { authorization: `Bearer ${admin}` } };
    assert.equal((await fetch(`${bare.url}/api/events?portfolio=p1`, h)).status, 501);
    assert.equal((await fetch(`${bare.url}/api/retry?portfolio=p1`, { ...h, method: "POST" })).status, 501);
    assert.match(await (await fetch(`${bare.url}/`)).text(), /\{"retry":false\}/);
  } finally {
    await bare.close();
  }
});

test("while the projection replays, the API answers 503 unavailable", async () => {
  const replaying = new StatusQueries(hub, new ProjectionReadiness());
  const bare = await listen(createWebHandler(deps({ queries: replaying })));
  try {
    const res = await fetch(`${bare.url}/api/status?run=${RUN}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { code: "unavailable", message: "status projection is still replaying the event stream" });
  } finally {
    await bare.close();
  }
});

test("an unexpected dependency error is a 500 with a generic message, its cause reported to onError", async () => {
  const seen: unknown[] = [];
  const exploding = {
    ...queries,
    getStatus: () => {
      throw new Error("projection exploded");
    },
    getActivityLog: queries.getActivityLog.bind(queries),
    watch: queries.watch.bind(queries),
  };
  const bare = await listen(createWebHandler(deps({ queries: exploding, onError: (e) => seen.push(e) })));
  try {
    const res = await fetch(`${bare.url}/api/status?run=${RUN}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { code: "internal", message: "internal error; see server logs" });
    assert.equal((seen[0] as Error).message, "projection exploded");
  } finally {
    await bare.close();
  }
});

/** Polls a condition on the event loop (no wall-clock assertion: it only waits). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition not reached");
}

test("the same handler serves HTTP/2 (h2c): status JSON and the first SSE message", async () => {
  const handler = createWebHandler(deps());
  const h2 = http2.createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
  const h2client = http2.connect(`http://127.0.0.1:${(h2.address() as AddressInfo).port}`);
  try {
    const get = (path: string, untilText?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = h2client.request({ ":path": path, authorization: `Bearer ${admin}` });
        let status = 0;
        let body = "";
        stream.on("response", (headers) => (status = Number(headers[":status"])));
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          body += chunk;
          if (untilText && body.includes(untilText)) {
            stream.close();
            resolve({ status, body });
          }
        });
        stream.on("end", () => resolve({ status, body }));
        stream.on("error", reject);
      });
    const status = await get("/api/status?portfolio=p1");
    assert.equal(status.status, 200);
    assert.equal(JSON.parse(status.body).runId, RUN);
    const events = await get("/api/events?portfolio=p1", "data: {");
    assert.equal(events.status, 200);
    assert.match(events.body, /id: \d+\nevent: status\ndata: \{/);
    await waitFor(() => hub.size === 0);
  } finally {
    h2client.close();
    await new Promise((resolve) => h2.close(resolve));
  }
});
