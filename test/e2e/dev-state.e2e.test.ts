import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { childEnv, freePorts, repoRoot, runCli } from "@sigma/testing";

// `sigma dev` start-up as an operator meets it: a busy port ends it at once with exit 2 and the flags
// to change; its embedded database lives in --data-dir, so symbols survive a restart.
const SIGMA = path.join(repoRoot, "services/cli/bin/sigma.js");
const dataDir = mkdtempSync(path.join(tmpdir(), "sigma-dev-state-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Environment without Postgres/NATS and without nats-server on PATH: the embedded defaults. */
function devEnv(): NodeJS.ProcessEnv {
  const env = childEnv({ PATH: path.dirname(process.execPath), LOG_LEVEL: "warn", SIGMA_AUTH: "dev" });
  for (const k of ["DATABASE_URL", "NATS_URL", "SIGMA_PRICES", "SIGMA_AS_OF", "SIGMA_JWT_SECRET", "SIGMA_TOKEN"]) delete env[k];
  return env;
}

async function holdPort(port: number): Promise<net.Server> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, "127.0.0.1", resolve);
  });
  return s;
}

for (const which of ["--base-port", "--http-port"] as const) {
  test(`a busy port given by ${which} ends sigma dev with exit 2 and names the flags`, async () => {
    const [busy] = await freePorts(1);
    const holder = await holdPort(busy!);
    try {
      const args =
        which === "--base-port" ? ["--base-port", String(busy), "--http-port", "0"] : ["--base-port", "0", "--http-port", String(busy)];
      const r = await runCli(["dev", "--ephemeral", ...args], { env: devEnv() as Record<string, string>, timeoutMs: 60_000 });
      assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(`already in use on 127\\.0\\.0\\.1: ${busy} \\(${which === "--base-port" ? "coordinator" : "status page"}\\)`),
      );
      assert.match(r.stderr, /--base-port/);
      assert.match(r.stderr, /--http-port/);
      assert.match(r.stderr, /SIGMA_DEMO_BASE_PORT/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    } finally {
      holder.close();
    }
  });
}

/** Starts `sigma dev` on any free ports with `args`; resolves with the process and the market-data URL once ready. */
async function startDev(args: string[]): Promise<{ dev: ChildProcess; marketDataUrl: string; output: () => string }> {
  const dev = spawn(process.execPath, [SIGMA, "dev", "--base-port", "0", "--http-port", "0", ...args], {
    cwd: repoRoot,
    env: devEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  dev.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  dev.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const until = Date.now() + 60_000;
  while (!/^ready/m.test(stdout)) {
    if (Date.now() > until || dev.exitCode !== null) {
      dev.kill("SIGKILL");
      throw new Error(`sigma dev did not start\n${stdout}\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const m = /^\s+market-data\s+(http:\/\/\S+)$/m.exec(stdout);
  assert.ok(m, stdout);
  return { dev, marketDataUrl: m[1]!, output: () => `${stdout}\n${stderr}` };
}

async function stop(dev: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => dev.once("exit", (c) => r(c)));
  dev.kill("SIGTERM");
  return exited;
}

test("a symbol added before a restart on the same --data-dir is still listed after it", async () => {
  const first = await startDev(["--data-dir", dataDir]);
  try {
    assert.match(first.output(), new RegExp(`database: .*\\(${dataDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`));
    const add = await runCli(["symbols", "add", "ZZTOP"], { env: { SIGMA_MARKET_DATA_URL: first.marketDataUrl } });
    assert.equal(add.code, 0, add.stderr);
  } finally {
    assert.equal(await stop(first.dev), 0, first.output());
  }
  const second = await startDev(["--data-dir", dataDir]);
  try {
    const list = await runCli(["symbols", "list", "--json"], { env: { SIGMA_MARKET_DATA_URL: second.marketDataUrl } });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /"ZZTOP"/, list.stdout);
  } finally {
    assert.equal(await stop(second.dev), 0, second.output());
  }
  // --ephemeral keeps nothing: the same listing on a fresh in-memory database has no ZZTOP.
  const third = await startDev(["--ephemeral"]);
  try {
    const list = await runCli(["symbols", "list", "--json"], { env: { SIGMA_MARKET_DATA_URL: third.marketDataUrl } });
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /"ZZTOP"/);
  } finally {
    await stop(third.dev);
  }
});
