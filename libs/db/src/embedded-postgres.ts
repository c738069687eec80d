/**
 * Embedded Postgres for `sigma dev`: PGlite (Postgres compiled to WASM, in-process) exposed on a local
 * TCP port by pglite-socket, so services use the ordinary pg driver and TypeORM unchanged.
 *
 * Rules that follow from PGlite having ONE backend (all connections share one session):
 * - Never hold a transaction open across an RPC: while one connection is in a transaction every other
 *   connection waits, so a transaction spanning a call into another service deadlocks.
 * - Session state is shared: temp tables, `SET search_path` etc. are visible to every connection. Write
 *   schema-qualified SQL and avoid session state.
 * - Use the unnest bulk helpers, never COPY FROM STDIN (it breaks the socket protocol and hangs).
 * - It is Postgres 18 while CI runs 15: stay on SQL common to both.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Directory for persistent data; in-memory (lost on close) when omitted. */
  readonly dataDir?: string;
  /**
   * Maximum concurrent client connections (default 64). Must exceed the sum of every pool's size,
   * otherwise extra connections are refused.
   */
  readonly maxConnections?: number;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgres {
  /** Connection URL with `sslmode=disable` (PGlite answers no SSL), e.g. `postgres://postgres@127.0.0.1:54321/postgres?sslmode=disable`. */
  readonly url: string;
  /** Bound TCP port on 127.0.0.1. */
  readonly port: number;
  /** Stops the socket server, then closes PGlite (flushing `dataDir`). Close every pool first. */
  close(): Promise<void>;
}

/**
 * Starts PGlite and serves it on 127.0.0.1 on a free port. Start-up takes a few seconds (WASM init).
 *
 * @param options - optional data directory and connection limit.
 * @returns the URL and a close function.
 * @throws when PGlite cannot open `dataDir` or the server cannot listen.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: 0,
    maxConnections: options.maxConnections ?? 64,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const conn = server.getServerConn(); // "127.0.0.1:PORT"
  const port = Number(conn.slice(conn.lastIndexOf(":") + 1));
  if (!Number.isInteger(port) || port <= 0) {
    await server.stop();
    await db.close();
    throw new Error(`pglite-socket reported an unexpected address ${conn}`);
  }
  let closed = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    port,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}
