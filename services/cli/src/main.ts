import { runSigma } from "./cli.js";

// A reader that stops early (`sigma runs | head -1`) closes the pipe: that is not an error of
// ours, so end quietly instead of crashing on EPIPE with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let interrupt: AbortController | undefined;
process.exitCode = await runSigma(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interrupted() {
    if (!interrupt) {
      const ac = new AbortController();
      process.once("SIGINT", () => ac.abort());
      interrupt = ac;
    }
    return interrupt.signal;
  },
});
