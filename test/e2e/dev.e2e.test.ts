import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";
import { childEnv, repoRoot, runCli } from "@sigma/testing";

// `sigma dev` on the embedded defaults, as `make demo` uses it: no DATABASE_URL (PGlite served
// over the Postgres wire protocol), no NATS_URL and no nats-server on PATH (the in-process bus),
// the synthetic provider; every service on its own port; a run through the real CLI; SIGTERM
// stops it cleanly.
let dev: ChildProcess;
let stdout = "";
let stderr = "";
const urls: Record<string, string> = {};

before(async () => {
  const env = childEnv({ PATH: path.dirname(process.execPath), LOG_LEVEL: "warn", SIGMA_AUTH: "dev" });
  for (const k of ["DATABASE_URL", "NATS_URL", "SIGMA_PRICES", "SIGMA_AS_OF", "SIGMA_JWT_SECRET", "SIGMA_TOKEN"]) delete env[k];
  dev = spawn(
    process.execPath,
    [path.join(repoRoot, "services/cli/bin/sigma.js"), "dev", "--ephemeral", "--base-port", "0", "--http-port", "0"],
    {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  dev.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  dev.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const until = Date.now() + 60_000;
  while (!/^ready/m.test(stdout)) {
    if (Date.now() > until || dev.exitCode !== null) throw new Error(`sigma dev did not start\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const m of stdout.matchAll(/^\s+(coordinator|market-data|factor|status)\s+(http:\/\/\S+)$/gm)) urls[m[1]!] = m[2]!;
});

after(async () => {
  if (dev && dev.exitCode === null) {
    dev.kill("SIGKILL");
    await new Promise((r) => dev.once("exit", r));
  }
});

const cliEnv = () => ({
  SIGMA_URL: urls.coordinator!,
  SIGMA_MARKET_DATA_URL: urls["market-data"]!,
  SIGMA_FACTOR_URL: urls.factor!,
  SIGMA_STATUS_URL: urls.status!,
});

test("sigma dev starts on PGlite and the in-process bus, says so, and serves a full run", async () => {
  assert.match(stdout, /database: postgres:\/\/127\.0\.0\.1:\d+\/postgres\?sslmode=disable/);
  assert.match(stdout, /events:\s+in-process bus/);
  assert.match(stderr, /NO NATS/, "the fallback is logged loudly");
  assert.equal(Object.keys(urls).length, 4, stdout);
  const add = await runCli(["symbols", "add", "AAPL", "GGIPX"], { env: cliEnv() });
  assert.equal(add.code, 0, add.stderr);
  const run = await runCli(["run", "--json"], { env: cliEnv(), timeoutMs: 120_000 });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  const record = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as {
    status: string;
    phases: { phase: string; state: string }[];
    problems: { symbol: string }[];
  };
  assert.equal(record.status, "completed_with_warnings");
  assert.deepEqual(
    record.problems.map((p) => p.symbol),
    ["GGIPX"],
  );
  assert.ok(
    record.phases.every((p) => p.state === "completed"),
    JSON.stringify(record.phases),
  );
  const status = await runCli(["status", "--json", (JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as { id: string }).id], {
    env: cliEnv(),
  });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(
    (JSON.parse(status.stdout) as { state: string }).state,
    "completed_with_warnings",
    "the status service saw the run over the in-process bus",
  );
});

test("SIGTERM stops sigma dev cleanly", async () => {
  dev.kill("SIGTERM");
  const code = await new Promise<number | null>((r) => dev.once("exit", (c) => r(c)));
  assert.equal(code, 0, stderr);
});
