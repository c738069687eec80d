import { serve, createServiceClient } from "@sigma/runtime";
import { fakeServices } from "./test-service.js";
import { createLogger } from "@sigma/runtime";
import { StatusService } from "@sigma/contracts";
import { Health } from "@sigma/contracts/health";
const logger = createLogger("dbg", { level: "debug" });
const server = await serve({ name: "closing", port: 0, services: fakeServices().services, logger, auth: { mode: "dev" }, drainTimeoutMs: 200 });
const health = createServiceClient(Health, server.url, { retries: 0 });
const status = createServiceClient(StatusService, server.url, { retries: 0 });
const watch = health.watch({ service: "" })[Symbol.asyncIterator]();
const stuck = status.watchStatus({})[Symbol.asyncIterator]();
console.log(await watch.next());
console.log(await stuck.next());
console.log("closing");
await server.close();
console.log("closed");
try { console.log(await watch.next()); } catch (e) { console.log("watch err", String(e)); }
console.log("watch done");
try { console.log(await stuck.next()); } catch (e) { console.log("stuck err", String(e)); }
console.log("stuck done");
