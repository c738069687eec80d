import { resolve } from "node:path";
import { CONFIG_EXIT_CODE, ConfigError, createLogger, issueToken, stderrDestination } from "@sigma/runtime";
import type { Command } from "commander";
import { say } from "../output.js";
import { PortsInUseError, stackPorts, startStack } from "../stack.js";

/** Where `sigma dev` keeps its state by default (relative to the working folder; gitignored). */
export const DEFAULT_DATA_DIR = ".sigma";

/** What to do about a port conflict: the flags (and the demo's variables) that choose other ports. */
const PORT_HINT =
  "choose free ports with --base-port N (gRPC ports N..N+5; 0 = any free ports) and --http-port N (status page; 0 = any free port); " +
  "make demo reads SIGMA_DEMO_BASE_PORT and SIGMA_DEMO_HTTP_PORT";

/**
 * The web app's address to open: as is in dev auth mode; with SIGMA_AUTH=jwt, with an 8-hour
 * admin token for SIGMA_USER (default "dev-admin") in the fragment, which the page moves into
 * its session storage (a fragment never reaches the server's logs).
 */
export async function webAppUrl(base: string, authMode: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  if (authMode !== "jwt" || !env.SIGMA_JWT_SECRET) return base;
  const token = await issueToken(env.SIGMA_JWT_SECRET, env.SIGMA_USER || "dev-admin", ["user", "admin"], "8h");
  return `${base}#token=${token}`;
}

/** `sigma dev`: every service in one process on the embedded defaults, until SIGINT/SIGTERM. */
export function devCommand(program: Command): void {
  program
    .command("dev")
    .description("run every service in one process (PGlite if no DATABASE_URL, a nats-server child or an in-process bus if no NATS_URL)")
    .option("--base-port <n>", "ports base-port..base-port+5 (0 = any free ports)")
    .option("--http-port <n>", "status web page port", "8080")
    .option("--data-dir <dir>", "where the embedded database and event store live across restarts", DEFAULT_DATA_DIR)
    .option("--ephemeral", "keep the embedded database and events in memory (gone when sigma dev stops)", false)
    .action(async (o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const env = process.env;
      const logger = createLogger("sigma-dev", { level: env.LOG_LEVEL ?? "warn", destination: stderrDestination() });
      const dataDir = o.ephemeral ? undefined : resolve(String(o.dataDir));
      let stack: Awaited<ReturnType<typeof startStack>>;
      try {
        stack = await startStack({
          env,
          host: env.HOST || "127.0.0.1",
          ports: stackPorts(env, o.basePort !== undefined ? Number(o.basePort) : undefined),
          statusHttpPort: Number(o.httpPort),
          dataDir,
          logger,
        });
      } catch (err) {
        // Operator errors end sigma dev at once with what to change, never a hang or a stack trace.
        if (err instanceof PortsInUseError) {
          process.stderr.write(`sigma dev: ${err.message}\n  ${PORT_HINT}\n`);
          process.exit(CONFIG_EXIT_CODE);
        }
        if (err instanceof ConfigError) {
          process.stderr.write(`sigma dev: ${err.message}\n`);
          process.exit(CONFIG_EXIT_CODE);
        }
        throw err;
      }
      if (stack.authMode === "dev") say(json, "auth: dev mode (every caller is admin; set SIGMA_AUTH=jwt and SIGMA_JWT_SECRET for tokens)");
      say(json, `sigma dev is up (prices: ${stack.prices}${stack.asOf ? `, clock pinned to ${stack.asOf}` : ""})`);
      say(json, `  database: ${stack.databaseUrl.replace(/\/\/[^@]*@/, "//")}${env.DATABASE_URL ? "" : ` (${dataDir ?? "in memory"})`}`);
      say(json, `  events:   ${stack.events}`);
      for (const e of stack.endpoints) say(json, `  ${e.name.padEnd(12)} ${e.url}`);
      say(json, `  status page  ${stack.statusPageUrl}`);
      say(json, `open ${await webAppUrl(stack.statusPageUrl, stack.authMode, env)}`);
      say(json, "ready (Ctrl-C to stop)");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      say(json, "stopping…");
      await stack.close();
      process.exit(0);
    });
}
