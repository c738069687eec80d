/**
 * Every service refuses a bad configuration the same way: one list of every bad variable on
 * stderr, no stack trace, exit code 2, before it touches Postgres or NATS.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { repoRoot } from "./paths.js";
import { SERVICE_NAMES } from "./system.js";
import { childEnv } from "./service-process.js";

function runMain(name: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join("services", name, "src", "main.ts")], {
      cwd: repoRoot,
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // A service that did not refuse would keep running: end it so the test fails instead of hanging.
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

const BAD_SHARED = { PORT: "not-a-port", LOG_LEVEL: "loud", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: "" };

for (const name of SERVICE_NAMES) {
  test(`${name} with a bad configuration lists every problem without a stack trace and exits 2`, async () => {
    const r = await runMain(name, { ...BAD_SHARED, DATABASE_URL: "not a url", NATS_URL: "" });
    assert.equal(r.code, 2, r.stderr);
    for (const v of ["PORT", "LOG_LEVEL", "SIGMA_JWT_SECRET"]) assert.match(r.stderr, new RegExp(`^  ${v}: `, "m"), r.stderr);
    if (name === "market-data" || name === "factor" || name === "coordinator" || name === "risk")
      assert.match(r.stderr, /^ {2}DATABASE_URL: not an absolute URL/m);
    if (name === "coordinator" || name === "status") assert.match(r.stderr, /^ {2}NATS_URL: missing/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
  });
}

test("market-data validates its provider's variables with the rest", async () => {
  const r = await runMain("market-data", {
    SIGMA_AUTH: "dev",
    DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
    SIGMA_PRICES: "http",
    SIGMA_POLYGON_API_KEY: "",
    SIGMA_POLYGON_URL: "nope",
    SIGMA_POLYGON_RPM: "0",
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^ {2}SIGMA_POLYGON_URL: not an absolute URL/m);
  assert.match(r.stderr, /^ {2}SIGMA_POLYGON_RPM: must be >= 1/m);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});
