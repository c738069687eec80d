/**
 * Running the `sigma` CLI as a subprocess, the way an operator would.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { childEnv } from "./service-process.js";
import { repoRoot } from "./paths.js";

/** What a CLI invocation printed and how it exited. */
export interface CliResult {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Variables added to the inherited environment (SIGMA_URL, SIGMA_TOKEN, ...). */
  env?: Record<string, string>;
  /** Kill the CLI (SIGKILL) after this long (ms, default 120000) and reject. */
  timeoutMs?: number;
}

/**
 * Runs `node services/cli/bin/sigma.js ...args` from the repository root and collects its output.
 * A non-zero exit is returned, not thrown: tests assert on it.
 *
 * @throws Error when the CLI cannot be spawned or exceeds `timeoutMs` (the output so far is in
 *   the message).
 */
export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, "services/cli/bin/sigma.js"), ...args], {
      cwd: repoRoot,
      env: childEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sigma ${args.join(" ")} timed out after ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Parses the CLI's `--json` stdout (one JSON document).
 *
 * @throws Error quoting the whole result when the exit code is not 0 or stdout is not JSON.
 */
export function cliJson<T = unknown>(r: CliResult): T {
  if (r.code !== 0) throw new Error(`CLI exited ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout) as T;
  } catch (err) {
    throw new Error(`CLI stdout is not JSON: ${(err as Error).message}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`, { cause: err });
  }
}
