import { createLogger, loadConfigOrExit, onShutdown } from "@sigma/runtime";
import { natsEventFeed, startStatus } from "./app.js";
import { loadStatusConfig } from "./config.js";

// Composition root: the only module with side effects.
const config = loadConfigOrExit("status", () => loadStatusConfig());
const logger = createLogger("status", { level: config.logLevel });
// Connects in the background: the service starts (NOT_SERVING) even while NATS is down.
// loadStatusConfig requires NATS_URL unless told otherwise.
const events = natsEventFeed({ url: config.natsUrl!, stream: { name: config.eventsStream, subjectPrefix: config.eventsPrefix }, logger });
const service = await startStatus(config, { events, logger });
onShutdown(logger, [
  { name: "status", run: () => service.close() },
  { name: "nats", run: () => events.close() },
]);
