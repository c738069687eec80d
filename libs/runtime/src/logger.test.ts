import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger } from "./logger.js";
import { memoryLogger } from "./test-log.js";

describe("createLogger", () => {
  it("writes JSON lines with the service field and a text level", () => {
    const { logger, lines } = memoryLogger("info");
    logger.child({ rpc: "x/Y" }).info({ n: 1 }, "hello");
    logger.debug("dropped at info");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.service, "test");
    assert.equal(lines[0]!.level, "info");
    assert.equal(lines[0]!.rpc, "x/Y");
    assert.equal(lines[0]!.msg, "hello");
    assert.match(String(lines[0]!.time), /^\d{4}-\d{2}-\d{2}T/);
  });

  it("takes the level from LOG_LEVEL and rejects unknown levels", () => {
    const lines: string[] = [];
    const dest = { write: (s: string) => void lines.push(s) };
    const logger = createLogger("svc", { env: { LOG_LEVEL: "warn" }, destination: dest });
    logger.info("no");
    logger.warn("yes");
    assert.equal(lines.length, 1);
    assert.throws(() => createLogger("svc", { env: { LOG_LEVEL: "verbose" }, destination: dest }), /invalid log level/);
  });
});
