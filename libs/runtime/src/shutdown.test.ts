import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { onShutdown } from "./shutdown.js";
import { memoryLogger } from "./test-log.js";

function harness() {
  const target = new EventEmitter();
  const exits: number[] = [];
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const exit = (code: number) => {
    exits.push(code);
    resolveExit(code);
  };
  return { target, exits, exit, exited, ...memoryLogger() };
}

describe("onShutdown", () => {
  it("runs steps in order on SIGTERM and exits 0", async () => {
    const h = harness();
    const order: string[] = [];
    onShutdown(
      h.logger,
      [
        { name: "server", run: async () => void order.push("server") },
        { name: "nats", run: () => void order.push("nats") },
        () => void order.push("db"),
      ],
      { target: h.target, exit: h.exit, graceMs: 5000 },
    );
    h.target.emit("SIGTERM", "SIGTERM");
    assert.equal(await h.exited, 0);
    assert.deepEqual(order, ["server", "nats", "db"]);
    assert.equal(h.target.listenerCount("SIGTERM"), 0, "listeners removed after shutdown");
  });

  it("keeps running later steps after a failure and exits 1", async () => {
    const h = harness();
    const order: string[] = [];
    onShutdown(
      h.logger,
      [
        {
          name: "nats",
          run: () => {
            throw new Error("drain failed");
          },
        },
        { name: "db", run: () => void order.push("db") },
      ],
      { target: h.target, exit: h.exit },
    );
    h.target.emit("SIGINT", "SIGINT");
    assert.equal(await h.exited, 1);
    assert.deepEqual(order, ["db"]);
    assert.ok(h.lines.some((l) => l.msg === "shutdown step failed" && l.step === "nats"));
  });

  it("forces exit 1 when the grace period runs out", async () => {
    const h = harness();
    onShutdown(h.logger, [{ name: "stuck", run: () => new Promise(() => {}) }], {
      target: h.target,
      exit: h.exit,
      graceMs: 20,
    });
    h.target.emit("SIGTERM", "SIGTERM");
    assert.equal(await h.exited, 1);
    assert.ok(h.lines.some((l) => /grace period exceeded/.test(String(l.msg))));
  });

  it("handles a second signal and trigger() once", async () => {
    const h = harness();
    let runs = 0;
    const handle = onShutdown(h.logger, [() => void runs++], { target: h.target, exit: h.exit });
    const a = handle.trigger("fatal error");
    h.target.emit("SIGTERM", "SIGTERM");
    assert.equal(await a, 0);
    assert.equal(runs, 1);
    assert.deepEqual(h.exits, [0]);
  });

  it("dispose() removes the signal listeners", () => {
    const h = harness();
    const handle = onShutdown(h.logger, [], { target: h.target, exit: h.exit });
    assert.equal(h.target.listenerCount("SIGTERM"), 1);
    handle.dispose();
    assert.equal(h.target.listenerCount("SIGTERM"), 0);
    assert.equal(h.target.listenerCount("SIGINT"), 0);
  });
});
