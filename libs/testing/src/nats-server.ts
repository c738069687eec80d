/**
 * A test-owned JetStream server (never the shared one): `nats-server -js -a 127.0.0.1 -p <port>
 * -sd <tmpdir>` as a child process that can be killed and restarted on the same port and store
 * directory, so a test can take NATS away across the end of a run and bring it back.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { freePort } from "./ports.js";

/** A nats-server child process owned by one test file. */
export interface TestNatsServer {
  readonly url: string;
  /** Starts (or restarts) the server and waits until it accepts connections. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL: a crash, not a graceful shutdown) and waits for it to exit. */
  kill(): Promise<void>;
  /** Kills it if running and removes its store directory. */
  dispose(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > until) throw new Error(`nats-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates (does not start) a test-owned nats-server on a free loopback port with its own store dir. */
export async function testNatsServer(): Promise<TestNatsServer> {
  const port = await freePort();
  const storeDir = mkdtempSync(path.join(tmpdir(), "sigma-coord-nats-"));
  let child: ChildProcess | undefined;
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      await kill();
      child = spawn("nats-server", ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], { stdio: "ignore" });
      await waitForPort(port, 15_000);
    },
    kill,
    async dispose() {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
