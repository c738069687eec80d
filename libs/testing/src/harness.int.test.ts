import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "nats";
import pg from "pg";
import { createTestDatabase, DEFAULT_ADMIN_DATABASE_URL } from "./postgres.js";
import { createTestStream } from "./nats.js";
import { freePorts } from "./ports.js";
import { ServiceProcess } from "./service-process.js";

async function databaseExists(name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: DEFAULT_ADMIN_DATABASE_URL });
  await c.connect();
  try {
    return (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

test("createTestDatabase makes a usable database and drop() removes it despite open connections", async () => {
  const db = await createTestDatabase();
  assert.match(db.name, /^sigma_test_[0-9a-f]{16}$/);
  const open = new pg.Client({ connectionString: db.url });
  await open.connect();
  open.on("error", () => undefined); // the forced drop terminates this session on purpose
  try {
    assert.equal((await open.query("SELECT current_database() AS d")).rows[0].d, db.name);
    await db.drop();
    assert.equal(await databaseExists(db.name), false);
    await db.drop(); // idempotent
  } finally {
    await open.end().catch(() => undefined);
  }
});

test("createTestStream creates a unique stream and delete() removes it", async () => {
  const [a, b] = [await createTestStream(), await createTestStream()];
  assert.notEqual(a.config.name, b.config.name);
  assert.notEqual(a.config.subjectPrefix, b.config.subjectPrefix);
  const nc = await connect({ servers: a.natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    assert.deepEqual((await jsm.streams.info(a.config.name)).config.subjects, [`${a.config.subjectPrefix}.>`]);
    await a.delete();
    await b.delete();
    await a.delete(); // idempotent
    const names: string[] = [];
    for await (const s of jsm.streams.list()) names.push(s.config.name);
    assert.ok(!names.includes(a.config.name) && !names.includes(b.config.name));
  } finally {
    await nc.close();
  }
});

test("freePorts returns distinct bindable ports", async () => {
  const ports = await freePorts(5);
  assert.equal(new Set(ports).size, 5);
  assert.ok(ports.every((p) => p > 0 && p < 65536));
});

test("a service that exits during start-up fails with its output tail", async () => {
  const [port] = await freePorts(1);
  // No DATABASE_URL: market data refuses to start and says which variable is missing.
  await assert.rejects(
    ServiceProcess.start({ name: "market-data", port: port!, env: { DATABASE_URL: "", SIGMA_AUTH: "dev" }, readyTimeoutMs: 30_000 }),
    (err: Error) => /exited before it was ready/.test(err.message) && /DATABASE_URL/.test(err.message),
  );
});

test("a started service is SERVING, and stop() ends it with SIGTERM cleanly", async () => {
  const [port] = await freePorts(1);
  // The risk service owns a schema: give it a throwaway database.
  const db = await createTestDatabase();
  try {
    const p = await ServiceProcess.start({
      name: "risk",
      port: port!,
      env: { SIGMA_AUTH: "dev", LOG_LEVEL: "info", DATABASE_URL: db.url },
    });
    assert.equal(p.exit, undefined);
    const exit = await p.stop();
    assert.equal(exit.code, 0, p.describe());
    assert.match(p.output.text(), /listening/);
  } finally {
    await db.drop();
  }
});
