/**
 * A Postgres server owned by one test (initdb + pg_ctl in a temp dir, on a free loopback port),
 * which the test may stop and start again to simulate a database outage without touching the
 * shared server. Uses the Debian binaries (/usr/lib/postgresql/<v>/bin or PG_BIN); as root the
 * commands run as the `postgres` user, which must own the data directory.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";

const execFileP = promisify(execFile);

/** A running private server. */
export interface PrivatePostgres {
  /** Admin URL (user postgres, trust auth) of its `postgres` database. */
  readonly adminUrl: string;
  readonly port: number;
  /** Stops the server (`pg_ctl stop -m fast`: sessions get 57P01, new connections are refused). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server (if running) and deletes its directory. Idempotent. */
  destroy(): Promise<void>;
}

/** The directory of initdb/pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin. */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  for (const v of ["17", "16", "15", "14"]) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (existsSync(path.join(dir, "pg_ctl"))) return dir;
  }
  throw new Error("no Postgres binaries found (set PG_BIN to the directory of initdb and pg_ctl)");
}

/**
 * Creates and starts a private Postgres server in a fresh temp directory.
 *
 * @throws Error (with the command's output) when initdb or pg_ctl fail.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(path.join(tmpdir(), "sigma-pg-"));
  const data = path.join(dir, "data");
  if (asRoot) {
    const { stdout } = await execFileP("id", ["-u", "postgres"]);
    const { stdout: gid } = await execFileP("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const run = async (cmd: string, args: string[]): Promise<void> => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    try {
      await execFileP(file, argv, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${cmd} ${args.join(" ")} failed: ${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
    }
  };
  const port = await freePort();
  let running = false;
  let destroyed = false;
  const start = async (): Promise<void> => {
    // -w waits until the server accepts connections; sockets stay in our directory, TCP on loopback only.
    await run("pg_ctl", [
      "-D",
      data,
      "-l",
      path.join(dir, "server.log"),
      "-w",
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=off -c max_connections=200`,
      "start",
    ]);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
    running = false;
  };
  try {
    await run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop,
    start,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      try {
        await stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
