import { Code, ConnectError } from "@connectrpc/connect";

/** Prints a value as pretty JSON on stdout (the --json contract: stdout carries only JSON). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v), 2)}\n`);
}

/** Human output goes to stdout unless --json, where it goes to stderr. */
export function say(json: boolean, line: string): void {
  (json ? process.stderr : process.stdout).write(`${line}\n`);
}

/** A CLI failure with the exit code to use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Turns an RPC error into a one-line message an operator can act on. */
export function describeError(err: unknown): string {
  if (err instanceof ConnectError) {
    const hint = err.code === Code.Unavailable ? " (is the service running? `sigma dev` starts every service locally)" : "";
    return `${Code[err.code]}: ${err.rawMessage}${hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Formats seconds as "1m 05s" / "12.3s". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m ${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}
