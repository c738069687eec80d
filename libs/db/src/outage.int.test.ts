/**
 * A Postgres outage against a test-owned server (stopped and started again): statements wrapped in
 * withDbRetry ride it out, a shorter budget ends in DatabaseUnavailableError, and a server with the
 * database readiness check says NOT_SERVING while the database is down and SERVING once it is back.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus as S } from "@sigma/contracts/health";
import { createLogger, type RunningServer, serve } from "@sigma/runtime";
import { startPrivatePostgres, type PrivatePostgres } from "@sigma/testing";
import type { DataSource } from "typeorm";
import { closeDataSource, createDataSource } from "./data-source.js";
import { DatabaseUnavailableError, databaseReadiness, withDbRetry } from "./transient.js";

let server: PrivatePostgres;
let ds: DataSource;
let rpc: RunningServer;

before(async () => {
  server = await startPrivatePostgres();
  ds = await createDataSource({ url: server.adminUrl, schema: "outage_test", entities: [], migrations: [] });
  rpc = await serve({
    name: "outage-test",
    port: 0,
    services: [],
    logger: createLogger("outage-test", { level: "silent" }),
    auth: { mode: "dev" },
    readiness: [{ name: "database", check: databaseReadiness(ds, 500) }],
    readinessIntervalMs: 100,
  });
});

after(async () => {
  await rpc?.close();
  await server?.start().catch(() => {});
  if (ds) await closeDataSource(ds);
  await server?.destroy();
});

async function waitForHealth(want: S): Promise<void> {
  const health = createClient(Health, createGrpcTransport({ baseUrl: rpc.url }));
  for (let i = 0; i < 300; i++) {
    if ((await health.check({ service: "" })).status === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`health never became ${S[want]}`);
}

describe("a Postgres outage", () => {
  it("is ridden out by withDbRetry, reported by health, and ends in DatabaseUnavailableError when it outlasts the budget", async () => {
    await waitForHealth(S.SERVING);
    await server.stop();
    await waitForHealth(S.NOT_SERVING);
    // Liveness is not readiness: a database outage must not get the process restarted.
    const health = createClient(Health, createGrpcTransport({ baseUrl: rpc.url }));
    assert.equal((await health.check({ service: "liveness" })).status, S.SERVING);

    const short = await withDbRetry(() => ds.query("SELECT 1"), { budgetMs: 300, what: "probe" }).catch((e: unknown) => e);
    assert.ok(short instanceof DatabaseUnavailableError, String(short));

    // A statement issued during the outage completes once the server is back.
    const pending = withDbRetry(() => ds.query("SELECT 41 + 1 AS x") as Promise<{ x: number }[]>, { budgetMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1500));
    await server.start();
    assert.deepEqual(await pending, [{ x: 42 }]);
    await waitForHealth(S.SERVING);
  });
});
