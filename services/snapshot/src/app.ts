import { SnapshotService } from "@sigma/contracts";
import { defineService, type Logger, serve, unimplementedService } from "@sigma/runtime";
import type { SnapshotConfig } from "./config.js";

// The public entry point of the service (package "."): its configuration loader and start function.
export { loadSnapshotConfig, type SnapshotConfig } from "./config.js";

/** What the snapshot service shares with its process (the same in main.ts, `sigma dev` and tests). */
export interface SnapshotShared {
  logger: Logger;
}

/**
 * Starts the snapshot service. Every RPC is declared and answers UNIMPLEMENTED naming the
 * capability it waits for; health and reflection are live.
 */
export async function startSnapshot(config: SnapshotConfig, o: SnapshotShared) {
  const server = await serve({
    name: "snapshot",
    port: config.port,
    host: config.host,
    logger: o.logger,
    auth: config.auth,
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
