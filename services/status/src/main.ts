import { connectNats, drainAndClose, ensureStream, eventStreamConfig, subscribeEvents } from "@sigma/events";
import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { startStatus } from "./app.js";
import { loadStatusConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("status", () => loadStatusConfig());
const logger = createLogger("status", { level: config.logLevel });
// loadStatusConfig requires NATS_URL unless told otherwise.
const nc = await connectNats(config.natsUrl!, { name: "status", logger });
const stream = { name: config.eventsStream, subjectPrefix: config.eventsPrefix };
// The status service may start before the first run publishes: create the stream so replay works.
await ensureStream(await nc.jetstreamManager(), eventStreamConfig(stream));
const service = await startStatus(config, {
  events: {
    // A message that is not a RunEvent is logged and skipped: one bad message must not freeze the projection.
    subscribe: (o) => subscribeEvents({ ...o, nc, stream, onDecodeError: (err) => logger.error({ err }, "skipped an undecodable event") }),
  },
  logger,
});
onShutdown(logger, [
  { name: "status", run: () => service.close() },
  { name: "nats", run: () => drainAndClose(nc) },
]);
