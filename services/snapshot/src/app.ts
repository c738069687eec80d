import { SnapshotService } from "@sigma/contracts";
import { type AuthConfig, defineService, type Logger, serve, unimplementedService } from "@sigma/runtime";

/** Options of the snapshot service. Its store arrives with portfolio import (not built yet). */
export interface SnapshotAppOptions {
  port: number;
  host?: string;
  logger: Logger;
  auth: AuthConfig;
}

/**
 * Starts the snapshot service. Every RPC is declared and answers UNIMPLEMENTED naming the
 * capability it waits for; health and reflection are live.
 */
export async function startSnapshot(o: SnapshotAppOptions) {
  const server = await serve({
    name: "snapshot",
    port: o.port,
    host: o.host,
    logger: o.logger,
    auth: o.auth,
    services: [
      defineService(
        SnapshotService,
        unimplementedService(SnapshotService, "portfolio import and snapshots (phase 2)", {
          computePositionValues: "position values (phase 2.5)",
          getPositionValues: "position values (phase 2.5)",
        }),
      ),
    ],
  });
  o.logger.info({ port: server.port }, "snapshot service listening (RPCs not built yet answer UNIMPLEMENTED)");
  return { name: "snapshot", port: server.port, url: server.url, close: () => server.close() };
}
