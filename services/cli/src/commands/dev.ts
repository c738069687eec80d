import type { Command } from "commander";
import { createLogger, stderrDestination, type AuthConfig } from "@sigma/runtime";
import { stackPorts, startStack } from "../stack.js";
import { say } from "../output.js";

/** `sigma dev`: every service in one process on the embedded defaults, until SIGINT/SIGTERM. */
export function devCommand(program: Command): void {
  program
    .command("dev")
    .description("run every service in one process (PGlite if no DATABASE_URL, a nats-server child or an in-process bus if no NATS_URL)")
    .option("--base-port <n>", "ports base-port..base-port+5 (0 = any free ports)")
    .option("--http-port <n>", "status web page port", "8080")
    .action(async (o, cmd: Command) => {
      const json = Boolean(cmd.optsWithGlobals().json);
      const env = process.env;
      const logger = createLogger("sigma-dev", { level: env.LOG_LEVEL ?? "warn", destination: stderrDestination() });
      let auth: AuthConfig = { mode: "dev" };
      if ((env.SIGMA_AUTH ?? "dev") === "jwt") {
        if (!env.SIGMA_JWT_SECRET) throw new Error("SIGMA_AUTH=jwt needs SIGMA_JWT_SECRET");
        auth = { mode: "jwt", secret: env.SIGMA_JWT_SECRET };
      } else {
        say(json, "auth: dev mode (every caller is admin; set SIGMA_AUTH=jwt and SIGMA_JWT_SECRET for tokens)");
      }
      const stack = await startStack({
        databaseUrl: env.DATABASE_URL || undefined,
        natsUrl: env.NATS_URL || undefined,
        prices: env.SIGMA_PRICES || "synthetic",
        host: env.HOST || "127.0.0.1",
        ports: stackPorts(env, o.basePort !== undefined ? Number(o.basePort) : undefined),
        statusHttpPort: Number(o.httpPort),
        asOf: env.SIGMA_AS_OF || undefined,
        auth,
        logger,
      });
      say(
        json,
        `sigma dev is up (prices: ${env.SIGMA_PRICES || "synthetic"}${env.SIGMA_AS_OF ? `, clock pinned to ${env.SIGMA_AS_OF}` : ""})`,
      );
      say(json, `  database: ${stack.databaseUrl.replace(/\/\/[^@]*@/, "//")}`);
      say(json, `  events:   ${stack.events}`);
      for (const e of stack.endpoints) say(json, `  ${e.name.padEnd(12)} ${e.url}`);
      say(json, `  status page  ${stack.statusPageUrl}`);
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
