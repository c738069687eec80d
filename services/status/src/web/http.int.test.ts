import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { ActivityLevel, Phase } from "@sigma/contracts";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import type { TargetRef } from "../domain/target.js";
import { StatusWatchHub } from "../domain/watch.js";
import { createWebHandler } from "./http.js";

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);
const hub = new StatusWatchHub(new StatusProjection(), { now: () => new Date(T0 + 60_000) });
const b = new RunEventBuilder("run/1", ["p1"], T0);
const errors: unknown[] = [];
const retries: TargetRef[] = [];
let server: http.Server;
let base: string;

before(async () => {
  [
    b.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS]),
    b.phaseStarted(Phase.MARKET_DATA, 2, "symbols"),
    b.activity("HZNP: symbol unavailable (delisted)", ActivityLevel.WARNING, "HZNP"),
  ].forEach((e, i) => hub.apply(i + 1, e));
  const handler = createWebHandler({
    getStatus: (t) => hub.projection.getStatus(t, new Date(T0 + 60_000)),
    getActivityLog: (t) => hub.projection.getActivityLog(t),
    subscribe: (t, afterSeq, onUpdate) => hub.subscribe(t, afterSeq, onUpdate),
    retry: async (t) => {
      retries.push(t);
      return { runId: "run-2" };
    },
    authorize: (req) => req.headers.authorization !== "Bearer intruder",
    onError: (e) => errors.push(e),
  });
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

test("GET / serves the page", async () => {
  const res = await fetch(`${base}/?portfolio=p1`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  const html = await res.text();
  assert.match(html, /Download log/);
  assert.match(html, /\{"retry":true\}/);
});

test("GET /api/status returns the StatusView as proto JSON", async () => {
  const res = await fetch(`${base}/api/status?portfolio=p1`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(body.state, "RUN_STATE_RUNNING");
  assert.equal(body.runId, "run/1");
  assert.equal(body.currentPhase, "PHASE_MARKET_DATA");
  assert.equal(body.elapsedSeconds, 60);
  assert.equal(body.phases.length, 2);
  assert.equal(body.phases[1].state, "PHASE_STATE_PENDING");
  assert.equal(body.lastSeq, "3");

  const missing = (await (await fetch(`${base}/api/status?run=nope`)).json()) as Record<string, any>;
  assert.equal(missing.state, "RUN_STATE_NOT_FOUND");
});

test("bad requests: no target, both targets, wrong method, refused, unknown path", async () => {
  assert.equal((await fetch(`${base}/api/status`)).status, 400);
  assert.equal((await fetch(`${base}/api/status?run=a&portfolio=b`)).status, 400);
  assert.equal((await fetch(`${base}/api/status?run=a`, { method: "POST" })).status, 405);
  assert.equal((await fetch(`${base}/api/retry?portfolio=p1`)).status, 405);
  const refused = await fetch(`${base}/api/status?portfolio=p1`, { headers: { authorization: "Bearer intruder" } });
  assert.equal(refused.status, 403);
  assert.equal(await refused.text(), "permission denied");
  assert.equal((await fetch(`${base}/api/events?portfolio=p1&after=x`)).status, 400);
  const other = await fetch(`${base}/metrics`);
  assert.equal(other.status, 404);
  assert.equal(await other.text(), "not a web route");
});

test("GET /api/log downloads the full log as an attachment", async () => {
  const res = await fetch(`${base}/api/log?portfolio=p1`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(res.headers.get("content-disposition"), 'attachment; filename="sigma-run-run_1.log"');
  const lines = (await res.text()).trimEnd().split("\n");
  assert.equal(lines[0], "# Sigma run run/1: 3 activity lines");
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /^2020-01-23T23:30:02\.000Z WARN {2}\[seq 3\] HZNP: symbol unavailable \(delisted\)$/);
  assert.equal((await fetch(`${base}/api/log?portfolio=unknown`)).status, 404);
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
  const res = await fetch(`${base}/api/events?portfolio=p1`, { signal: controller.signal });
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
  const resumed = await fetch(`${base}/api/events?portfolio=p1&after=1`, {
    signal: again.signal,
    headers: { "Last-Event-ID": "4" },
  });
  const next = readEvents(resumed, 1);
  await waitFor(() => hub.size === 1);
  hub.apply(5, b.phaseFinished(Phase.MARKET_DATA, true, 2, "2/2 symbols"));
  const [only] = await next;
  again.abort();
  assert.equal(only!.id, "5");
  assert.equal(only!.data.event.phaseFinished.summary, "2/2 symbols");
  await waitFor(() => hub.size === 0);
});

test("POST /api/retry calls retry with the target", async () => {
  const res = await fetch(`${base}/api/retry?portfolio=p1`, { method: "POST" });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { runId: "run-2" });
  assert.deepEqual(retries, [{ portfolioId: "p1" }]);
});

test("without subscribe and retry: /api/events is 501 and the Retry button is disabled", async () => {
  const handler = createWebHandler({
    getStatus: (t) => hub.projection.getStatus(t, new Date(T0)),
    getActivityLog: (t) => hub.projection.getActivityLog(t),
    onError: (e) => errors.push(e),
  });
  const bare = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${url}/api/events?portfolio=p1`)).status, 501);
    assert.equal((await fetch(`${url}/api/retry?portfolio=p1`, { method: "POST" })).status, 501);
    assert.match(await (await fetch(`${url}/`)).text(), /\{"retry":false\}/);
  } finally {
    bare.closeAllConnections();
    await new Promise((resolve) => bare.close(resolve));
  }
});

test("an unexpected dependency error is a 500 reported to onError", async () => {
  const seen: unknown[] = [];
  const handler = createWebHandler({
    getStatus: () => {
      throw new Error("projection exploded");
    },
    getActivityLog: (t) => hub.projection.getActivityLog(t),
    onError: (e) => seen.push(e),
  });
  const bare = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/status?run=x`);
    assert.equal(res.status, 500);
    assert.equal(await res.text(), "internal error");
    assert.equal((seen[0] as Error).message, "projection exploded");
  } finally {
    bare.closeAllConnections();
    await new Promise((resolve) => bare.close(resolve));
  }
});

/** Polls a condition on the event loop (no wall-clock assertion: it only waits). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition not reached");
}

test("the same handler serves HTTP/2 (h2c): status JSON and the first SSE message", async () => {
  const handler = createWebHandler({
    getStatus: (t) => hub.projection.getStatus(t, new Date(T0)),
    getActivityLog: (t) => hub.projection.getActivityLog(t),
    subscribe: (t, afterSeq, onUpdate) => hub.subscribe(t, afterSeq, onUpdate),
    onError: (e) => errors.push(e),
  });
  const h2 = http2.createServer((req, res) => {
    if (!handler(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => h2.listen(0, "127.0.0.1", resolve));
  const client = http2.connect(`http://127.0.0.1:${(h2.address() as AddressInfo).port}`);
  try {
    const get = (path: string, untilText?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = client.request({ ":path": path });
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
    assert.equal(JSON.parse(status.body).runId, "run/1");
    const events = await get("/api/events?portfolio=p1", "data: {");
    assert.equal(events.status, 200);
    assert.match(events.body, /id: \d+\nevent: status\ndata: \{/);
    await waitFor(() => hub.size === 0);
  } finally {
    client.close();
    await new Promise((resolve) => h2.close(resolve));
  }
});
