/** The streams and environment a CLI invocation runs with (the process's, or a test's). */
export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * A signal aborted when the user interrupts (Ctrl-C): long watches end cleanly on it. Called only
   * by commands that watch, so other commands keep the default SIGINT behaviour.
   */
  interrupted(): AbortSignal;
}

/** The part of a writable stream the CLI uses; `isTTY`/`columns`/`rows` describe a terminal. */
export interface OutStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** Exit codes of `sigma` (documented in the README). */
export const EXIT = {
  OK: 0,
  /** The run failed or was cancelled, or what was asked for does not exist. */
  FAILED: 1,
  /** Usage or configuration error: a bad option, a bad SIGMA_* variable, a service not reachable. */
  USAGE: 2,
} as const;

/** A CLI failure with the exit code to use; its message is printed as `sigma: MESSAGE`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILED,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage error: a bad option or argument (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
    this.name = "UsageError";
  }
}

/**
 * Where one command writes: with `--json`, stdout carries exactly one JSON document (or one per
 * line for watches) and every human line goes to stderr.
 */
export class Output {
  constructor(
    readonly io: CliIo,
    readonly json: boolean,
  ) {}

  /** A human line: stdout, or stderr under --json. */
  say(line: string): void {
    (this.json ? this.io.stderr : this.io.stdout).write(`${line}\n`);
  }

  /** A note that is never data (hints, diagnostics): always stderr. */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Pretty JSON on stdout (the --json contract: stdout carries only JSON). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, bigintAsNumber, 2)}\n`);
  }

  /** One compact JSON document per line (streams such as `status --watch --json`). */
  printJsonLine(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, bigintAsNumber)}\n`);
  }
}

function bigintAsNumber(_k: string, v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

/** Human output of `sigma dev`: stdout unless --json, where it goes to stderr. */
export function say(json: boolean, line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Formats seconds as "1m 05s" / "12.3s". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}
