import { type Clock, clockFromEnv } from "@sigma/calendar";
import { MarketDataService, SnapshotService } from "@sigma/contracts";
import { closeDataSource, createDataSource } from "@sigma/db";
import { marketDataPriceSource } from "@sigma/prices";
import { type AuthConfig, createServiceClient, defineService, type Logger, serve } from "@sigma/runtime";
import { snapshotHandlers } from "./handlers/snapshot-handlers.js";
import { SNAPSHOT_MIGRATIONS } from "./store/migrations.js";
import { PgSnapshotStore } from "./store/snapshot-store.js";

/** Everything the snapshot service needs to start (validated by main.ts or `sigma dev`). */
export interface SnapshotAppOptions {
  port: number;
  host?: string;
  databaseUrl: string;
  /** Postgres schema this service owns (default "snapshot"). */
  schema?: string;
  /** Base URL of the market-data service, e.g. "http://127.0.0.1:50052". */
  marketDataUrl: string;
  /** Bearer token source for calls to market-data (undefined in dev auth mode). */
  serviceToken?: () => Promise<string>;
  logger: Logger;
  auth: AuthConfig;
  /** The clock whose today bounds imported dates (default: SIGMA_AS_OF or the live clock). */
  clock?: Clock;
}

/** Composition root of the snapshot service: database → market-data client → handlers → server. */
export async function startSnapshot(o: SnapshotAppOptions) {
  const schema = o.schema ?? "snapshot";
  const db = await createDataSource({
    url: o.databaseUrl,
    schema,
    entities: [],
    migrations: SNAPSHOT_MIGRATIONS,
    logger: o.logger,
    applicationName: "snapshot",
  });
  const marketData = createServiceClient(MarketDataService, o.marketDataUrl, { token: o.serviceToken, timeoutMs: 120_000 });
  const clock = o.clock ?? clockFromEnv();
  const store = new PgSnapshotStore(db, schema);
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    server = await serve({
      name: "snapshot",
      port: o.port,
      host: o.host,
      logger: o.logger,
      auth: o.auth,
      services: [
        defineService(SnapshotService, snapshotHandlers({ store, prices: marketDataPriceSource(marketData), today: () => clock.today() })),
      ],
    });
  } catch (err) {
    await closeDataSource(db);
    throw err;
  }
  o.logger.info({ port: server.port }, "snapshot service listening");
  return {
    name: "snapshot",
    port: server.port,
    url: server.url,
    async close() {
      await server.close();
      await closeDataSource(db);
    },
  };
}
