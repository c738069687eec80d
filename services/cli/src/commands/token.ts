import type { Command } from "commander";
import { ConfigError, issueToken, loadRuntimeLimits, parseDurationSeconds } from "@sigma/runtime";
import type { Cli } from "../context.js";
import { UsageError } from "../output.js";

/** Token subjects: a user name, e.g. "alice" or "alice@example.com". */
const USER = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * `sigma token --user NAME [--admin] [--ttl 8h]`: signs a bearer token for a person with
 * SIGMA_JWT_SECRET (the same HS256 helper the services verify with). The lifetime may not exceed
 * SIGMA_JWT_MAX_TTL (default 24 h), which the services enforce too. Prints the token alone on
 * stdout (with --json: `{ token, sub, roles, expires_at }`); paste it into the web app's sign-in
 * form, or open `http://HOST:8080/#token=TOKEN`.
 */
export function tokenCommand(program: Command, cli: Cli): void {
  program
    .command("token")
    .description("sign a bearer token for a person (SIGMA_JWT_SECRET), for the web app's sign-in form or SIGMA_TOKEN")
    .requiredOption("--user <name>", "the token's subject (owner of the portfolios it onboards)")
    .option("--admin", "add the admin role (every portfolio, the operator page)", false)
    .option("--ttl <duration>", "lifetime: 90s, 15m, 8h, 1d (at most SIGMA_JWT_MAX_TTL, default 24h)", "8h")
    .action(async (o: { user: string; admin: boolean; ttl: string }, cmd: Command) => {
      const out = cli.output(cmd);
      const env = cli.io.env;
      const secret = env.SIGMA_JWT_SECRET;
      if (!secret) {
        throw new UsageError("SIGMA_JWT_SECRET is not set: tokens are signed with the services' shared secret (dev mode needs no token)");
      }
      if (!USER.test(o.user))
        throw new UsageError(`--user must be 1-64 letters, digits or . _ @ -, got ${JSON.stringify(o.user.slice(0, 80))}`);
      const ttl = parseDurationSeconds(o.ttl);
      if (ttl === undefined)
        throw new UsageError(`--ttl must be a duration such as 90s, 15m, 8h or 1d, got ${JSON.stringify(o.ttl.slice(0, 40))}`);
      let maxTtl: number;
      try {
        maxTtl = loadRuntimeLimits(env).jwtMaxTtlSeconds;
      } catch (err) {
        throw new UsageError(err instanceof ConfigError ? err.message : String(err));
      }
      if (ttl > maxTtl) {
        throw new UsageError(`--ttl ${o.ttl} is longer than SIGMA_JWT_MAX_TTL (${maxTtl} s): the services would refuse the token`);
      }
      const roles = o.admin ? ["user", "admin"] : ["user"];
      const issuedAt = Math.floor(Date.now() / 1000);
      let token: string;
      try {
        token = await issueToken(secret, o.user, o.admin ? ["user", "admin"] : ["user"], ttl);
      } catch (err) {
        throw new UsageError(`cannot sign with SIGMA_JWT_SECRET: ${(err as Error).message}`);
      }
      // issueToken sets exp = iat + ttl with iat the current second (at most a second after issuedAt).
      const expiresAt = new Date((issuedAt + ttl) * 1000).toISOString();
      if (out.json) {
        out.printJson({ token, sub: o.user, roles, expires_at: expiresAt });
        return;
      }
      cli.io.stdout.write(`${token}\n`);
      out.note(
        `token for ${o.user}${o.admin ? " (admin)" : ""}, expires ${expiresAt}; sign in on the web app with it, or export SIGMA_TOKEN=…`,
      );
    });
}
