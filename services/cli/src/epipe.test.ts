// `sigma ... | head -1`: the reader closes the pipe early; the CLI must end quietly (exit 0, no
// EPIPE stack trace). Runs the real binary against fake services on loopback.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { RunStatus } from "@sigma/contracts";
import { FakeState, fakeEnv, fakeRun, startFakeServices } from "./testing/fake-services.js";

const bin = fileURLToPath(new URL("../bin/sigma.js", import.meta.url));

test("a reader that closes stdout early ends the CLI quietly", { timeout: 60_000 }, async () => {
  const state = new FakeState();
  // Far more than a pipe buffer (64 KiB), so writes continue after the reader is gone.
  for (let i = 0; i < 3000; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    state.runs.set(id, fakeRun(id, RunStatus.COMPLETED));
  }
  const server = await startFakeServices(state);
  try {
    const child = spawn(process.execPath, [bin, "runs", "--limit", "3000"], {
      cwd: path.dirname(bin),
      env: { ...process.env, ...fakeEnv(server.url) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    // Like `head -1`: read the first chunk, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error/);
  } finally {
    await server.close();
  }
});
