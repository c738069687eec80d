/**
 * The status service against its own nats-server child process (never the shared one on 4222):
 * it starts while NATS is down (NOT_SERVING, saying why), replays once NATS is up (SERVING), and
 * its consumer survives a NATS restart, resuming after the last applied event.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Phase as PhaseT, Phase, type RunEvent, RunState, RunStatus, StatusService } from "@sigma/contracts";
import { Health } from "@sigma/contracts/health";
import { encodeRunEvent, eventMessageId, eventStreamConfig, runSubject } from "@sigma/events";
import { createLogger, createServiceClient, issueToken, ServingStatus } from "@sigma/runtime";
import { connect } from "nats";
import { loadStatusConfig, natsEventFeed, startStatus } from "../app.js";
import { RunEventBuilder } from "../domain/event-builder.js";

const secret = "status-nats-test-secret-0123456789abcdef";
const storeDir = mkdtempSync(join(tmpdir(), "sigma-status-nats-"));
const stream = eventStreamConfig({ name: "SIGMA_STATUS_FEED_TEST", subjectPrefix: "sigma.statusfeedtest.events.v1" });
let server: ChildProcess | undefined;

after(async () => {
  await stopNats();
  rmSync(storeDir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** Starts nats-server with JetStream on loopback, storing in the test's own directory. */
async function startNats(port: number): Promise<void> {
  const child = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], { stdio: "ignore" });
  server = child;
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, "127.0.0.1", () => {
        sock.end();
        resolve(true);
      });
      sock.on("error", () => resolve(false));
    });
    if (up) return;
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("nats-server did not start");
}

async function stopNats(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function publish(url: string, events: readonly RunEvent[]): Promise<void> {
  const nc = await connect({ servers: url, timeout: 5000 });
  try {
    const js = nc.jetstream();
    for (const e of events) await js.publish(runSubject(stream, e.runId), encodeRunEvent(e), { msgID: eventMessageId(e) });
  } finally {
    await nc.close();
  }
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`timed out waiting until ${what}`);
}

test("starts while NATS is down, replays when it comes up, and survives a NATS restart", async () => {
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger("status-test", {
    level: "info",
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  const events = natsEventFeed({ url, stream, logger, retryMs: 50, maxRetryMs: 200 });
  const config = loadStatusConfig(
    { PORT: "0", HOST: "127.0.0.1", STATUS_HTTP_PORT: "0", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret },
    { requireNats: false },
  );
  const status = await startStatus(config, { events, logger, consumerRetry: { initialMs: 50, maxMs: 200 } });
  try {
    const health = createServiceClient(Health, status.url, { retries: 0 });
    const rpc = createServiceClient(StatusService, status.url, { token: await issueToken(secret, "ops", ["admin"]), retries: 0 });
    const runId = randomUUID();
    const b = new RunEventBuilder(runId, [], Date.now());
    const phases: PhaseT[] = [Phase.MARKET_DATA];

    // NATS is down: the service is up, NOT_SERVING, says why, and answers UNAVAILABLE.
    assert.equal((await health.check({ service: "" })).status, ServingStatus.NOT_SERVING);
    await waitUntil(() => lines.some((l) => l.level === "warn" && String(l.msg).includes("NATS unreachable")), "the service logs why");
    await assert.rejects(rpc.getStatus({ target: { target: { case: "runId", value: runId } } }), /replaying the event stream/);

    // NATS comes up: the feed connects, creates the stream, replays (nothing yet) and serves.
    await startNats(port);
    await waitUntil(async () => (await health.check({ service: "" })).status === ServingStatus.SERVING, "SERVING");
    await publish(url, [b.runStarted(phases, "cron", 1), b.phaseStarted(Phase.MARKET_DATA, 3, "symbols")]);
    await waitUntil(() => status.hub.projection.lastSeq === 2, "the first events are applied");

    // NATS restarts (same store): the consumer resubscribes after the last applied event.
    await stopNats();
    await startNats(port);
    await publish(url, [b.phaseFinished(Phase.MARKET_DATA, true, 1, "3/3 symbols"), b.runFinished(RunStatus.COMPLETED)]);
    await waitUntil(() => status.hub.projection.lastSeq === 4, "the events after the restart are applied");
    const { status: view } = await rpc.getStatus({ target: { target: { case: "runId", value: runId } } });
    assert.equal(view?.state, RunState.COMPLETED);
    assert.equal(view?.recentActivity.length, 4, "nothing applied twice");
  } finally {
    await status.close();
    await events.close();
  }
});
