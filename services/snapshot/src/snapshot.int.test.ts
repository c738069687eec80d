/**
 * Integration: a real market-data service (CSV provider over the shared prices) and a real snapshot
 * service (JWT auth) on port 0, both on real Postgres in unique schemas dropped afterwards. The three
 * sample portfolios are imported over RPC, snapshotted chunk by chunk, and read back: every field must
 * equal the independent Python reference (test/vectors/snapshots.json). Bad files store nothing.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { tradingDays } from "@sigma/calendar";
import { MarketDataService, PriceStatus, SnapshotService } from "@sigma/contracts";
import { loadMarketDataConfig, startMarketData } from "@sigma/market-data-service";
import { createLogger, createServiceClient, issueToken } from "@sigma/runtime";
import pg from "pg";
import { sharedDir } from "@sigma/testing/paths";
import { assertPositionsMatch, assertSnapshotsMatch, loadSnapshotReference, snakeCaseKeys } from "@sigma/testing/snapshot-reference";
import { loadSnapshotConfig, startSnapshot } from "./app.js";

const shared = sharedDir();
const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const suffix = `${process.pid}_${Date.now()}`;
const mdSchema = `md_snap_it_${suffix}`;
const schema = `snapshot_it_${suffix}`;
const END = "2020-01-23";
const reference = loadSnapshotReference();

describe("snapshot service against real market-data and Postgres", () => {
  const logger = createLogger("snapshot-it", { level: "silent" });
  const secret = randomBytes(32).toString("hex");
  const closers: (() => Promise<void>)[] = [];
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let admin: ReturnType<typeof createServiceClient<typeof SnapshotService>>;
  let alice: ReturnType<typeof createServiceClient<typeof SnapshotService>>;
  let bob: ReturnType<typeof createServiceClient<typeof SnapshotService>>;
  const ids = new Map<string, string>();

  before(async () => {
    const adminToken = await issueToken(secret, "svc-admin", ["user", "admin"], "1h");
    const env = { PORT: "0", HOST: "127.0.0.1", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, DATABASE_URL: databaseUrl, SIGMA_AS_OF: END };
    const prices = `csv:${path.join(shared, "data/prices/daily_prices.csv")}`;
    const md = await startMarketData(loadMarketDataConfig({ ...env, DB_SCHEMA: mdSchema, SIGMA_PRICES: prices }), { logger });
    closers.unshift(() => md.close());
    const mdClient = createServiceClient(MarketDataService, md.url, { token: async () => adminToken, timeoutMs: 120_000 });
    const symbols = new Set<string>();
    for (const name of Object.keys(reference.portfolios)) {
      for (const line of readFileSync(path.join(shared, `data/portfolios/${name}.csv`), "utf8")
        .split("\n")
        .slice(2)) {
        const [sym, , , , cls, , under] = line.split(",");
        if (sym && cls !== "PRIVATE") symbols.add((cls === "OPTIONS" ? under! : sym).toUpperCase());
      }
    }
    await mdClient.syncPrices({ symbols: [...symbols], startDate: "2017-01-03", endDate: END, includeFactorEtfs: false, force: false });
    const svc = await startSnapshot(loadSnapshotConfig({ ...env, DB_SCHEMA: schema, SIGMA_MARKET_DATA_URL: md.url }), { logger });
    closers.unshift(() => svc.close());
    const client = async (sub: string, roles: ("user" | "admin")[]) => {
      const token = await issueToken(secret, sub, roles, "1h");
      return createServiceClient(SnapshotService, svc.url, { token: async () => token, timeoutMs: 120_000 });
    };
    admin = await client("svc-admin", ["user", "admin"]);
    alice = await client("alice", ["user"]);
    bob = await client("bob", ["user"]);
  });

  after(async () => {
    for (const c of closers) await c();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.query(`DROP SCHEMA IF EXISTS ${mdSchema} CASCADE`);
    await pool.end();
  });

  const rowCounts = async () => {
    const r = await pool.query(
      `SELECT (SELECT count(*) FROM ${schema}.portfolios)::int AS p, (SELECT count(*) FROM ${schema}.positions)::int AS pos,
              (SELECT count(*) FROM ${schema}.snapshots)::int AS s`,
    );
    return r.rows[0] as { p: number; pos: number; s: number };
  };

  it("rejects every bad file with its problems and writes nothing (checked in SQL)", async () => {
    const before = await rowCounts();
    const dir = path.join(shared, "data/portfolios/bad");
    for (const file of readdirSync(dir)) {
      const res = await alice.importPortfolio({ csv: readFileSync(path.join(dir, file)), name: file, asOfDate: END });
      assert.equal(res.portfolioId, "", `${file} was accepted`);
      assert.ok(res.errors.length > 0, `${file}: no problem listed`);
      for (const e of res.errors) assert.ok(e.code > 0 && e.message.length > 0, `${file}: ${JSON.stringify(e)}`);
    }
    assert.deepEqual(await rowCounts(), before);
  });

  it("imports the three samples for alice (positions in file order, first entry date)", async () => {
    for (const name of Object.keys(reference.portfolios)) {
      const res = await alice.importPortfolio({ csv: readFileSync(path.join(shared, `data/portfolios/${name}.csv`)), name, asOfDate: END });
      assert.deepEqual(res.errors, []);
      assert.equal(res.firstEntryDate, "2019-01-02");
      ids.set(name, res.portfolioId);
    }
    const list = await alice.listPortfolios({});
    assert.deepEqual(list.portfolios.map((p) => p.name).sort(), Object.keys(reference.portfolios).sort());
    assert.ok(list.portfolios.every((p) => p.owner === "alice" && p.watermarkDate === ""));
    assert.deepEqual((await bob.listPortfolios({})).portfolios, []);
  });

  it("computes snapshots in 21-date chunks and every stored field equals the Python reference", async () => {
    const dates = tradingDays("2019-01-02", END);
    let written = 0;
    for (let i = 0; i < dates.length; i += 21) {
      const chunk = dates.slice(i, i + 21);
      const res = await admin.computeSnapshots({
        cells: [...ids.values()].map((portfolioId) => ({ portfolioId, dates: chunk })),
        runId: "it",
      });
      written += Number(res.counters?.outputs ?? 0);
    }
    assert.equal(written, 3 * dates.length);
    let compared = 0;
    for (const [name, id] of ids) {
      const got = (await alice.getSnapshots({ portfolioId: id, startDate: "2019-01-01", endDate: END })).snapshots;
      compared += assertSnapshotsMatch(got.map(snakeCaseKeys), reference.portfolios[name]!.snapshots, name);
    }
    assert.equal(compared, 3 * dates.length * 22);
    const list = await alice.listPortfolios({});
    assert.ok(list.portfolios.every((p) => p.watermarkDate === END));
  });

  it("a forced recompute of a range replaces rows without duplicates and bit-identically", async () => {
    const id = ids.get("long-short")!;
    const checksum = async () =>
      (
        await pool.query(
          `SELECT md5(string_agg(t::text, '|' ORDER BY date)) AS h, count(*)::int AS n FROM ${schema}.snapshots t WHERE portfolio_id = $1`,
          [id],
        )
      ).rows[0];
    const before = await checksum();
    await admin.computeSnapshots({ cells: [{ portfolioId: id, dates: tradingDays("2019-06-03", "2019-07-31") }] });
    assert.deepEqual(await checksum(), before);
  });

  it("position values on the last date equal the reference; GetPositionValues returns the latest date", async () => {
    await admin.computePositionValues({ portfolioIds: [...ids.values()], date: END });
    for (const [name, id] of ids) {
      const res = await alice.getPositionValues({ portfolioId: id });
      assert.equal(res.date, END);
      const navRow = reference.portfolios[name]!.snapshots.at(-1)!;
      const got = res.values.map((v) => ({ ...snakeCaseKeys(v), price_status: PriceStatus[v.priceStatus].toLowerCase() }));
      assertPositionsMatch(got, reference.portfolios[name]!.positions, navRow.nav as number, name);
    }
  });

  it("access: another user gets PERMISSION_DENIED for an existing and a missing portfolio alike; an admin gets NOT_FOUND", async () => {
    const id = ids.get("balanced-5m")!;
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const portfolioId of [id, missing]) {
      await assert.rejects(bob.getSnapshots({ portfolioId }), (e) => ConnectError.from(e).code === Code.PermissionDenied);
    }
    await assert.rejects(admin.getPortfolio({ portfolioId: missing }), (e) => ConnectError.from(e).code === Code.NotFound);
    await assert.rejects(alice.getPortfolio({ portfolioId: "not-a-uuid" }), (e) => ConnectError.from(e).code === Code.InvalidArgument);
    await assert.rejects(alice.computeSnapshots({ cells: [] }), (e) => ConnectError.from(e).code === Code.PermissionDenied);
    await assert.rejects(
      admin.computeSnapshots({ cells: [{ portfolioId: id, dates: ["2019-01-05"] }] }),
      (e) => ConnectError.from(e).code === Code.InvalidArgument,
    );
  });

  it("DeletePortfolio removes the portfolio and every row of it in one transaction; a second delete is NOT_FOUND", async () => {
    const id = ids.get("private-and-options")!;
    await assert.rejects(bob.deletePortfolio({ portfolioId: id }), (e) => ConnectError.from(e).code === Code.PermissionDenied);
    const res = await alice.deletePortfolio({ portfolioId: id });
    assert.equal(Number(res.snapshotsDeleted), reference.portfolios["private-and-options"]!.snapshots.length);
    assert.equal(Number(res.positionsDeleted), 8);
    const left = await pool.query(
      `SELECT (SELECT count(*) FROM ${schema}.snapshots WHERE portfolio_id = $1)::int + (SELECT count(*) FROM ${schema}.positions WHERE portfolio_id = $1)::int
            + (SELECT count(*) FROM ${schema}.position_values WHERE portfolio_id = $1)::int AS n`,
      [id],
    );
    assert.equal(left.rows[0].n, 0);
    await assert.rejects(admin.deletePortfolio({ portfolioId: id }), (e) => ConnectError.from(e).code === Code.NotFound);
  });
});
