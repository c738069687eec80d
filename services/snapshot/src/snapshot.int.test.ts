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
import { addTradingDays, tradingDays } from "@sigma/calendar";
import { InvestmentClass, MarketDataService, type PositionValue, PriceStatus, SnapshotService } from "@sigma/contracts";
import { marketDataPriceSource } from "@sigma/prices";
import { loadMarketDataConfig, startMarketData } from "@sigma/market-data-service";
import { createLogger, createServiceClient, issueToken } from "@sigma/runtime";
import pg from "pg";
import { sharedDir } from "@sigma/testing/paths";
import { assertPositionsMatch, assertSnapshotsMatch, loadSnapshotReference, snakeCaseKeys } from "@sigma/testing/snapshot-reference";
import { loadSnapshotConfig, startSnapshot } from "./app.js";
import { computeSnapshots, type PositionMark } from "./domain/snapshot-engine.js";
import { PgSnapshotStore } from "./store/snapshot-store.js";
import { SNAPSHOT_HISTORY_DAYS, symbolsToPrice } from "./usecases/compute-snapshots.js";

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
  let risk: ReturnType<typeof createServiceClient<typeof SnapshotService>>;
  let mdClient: ReturnType<typeof createServiceClient<typeof MarketDataService>>;
  const ids = new Map<string, string>();

  before(async () => {
    const adminToken = await issueToken(secret, "svc-admin", ["user", "admin"], "1h");
    const env = { PORT: "0", HOST: "127.0.0.1", SIGMA_AUTH: "jwt", SIGMA_JWT_SECRET: secret, DATABASE_URL: databaseUrl, SIGMA_AS_OF: END };
    const prices = `csv:${path.join(shared, "data/prices/daily_prices.csv")}`;
    const md = await startMarketData(loadMarketDataConfig({ ...env, DB_SCHEMA: mdSchema, SIGMA_PRICES: prices }), { logger });
    closers.unshift(() => md.close());
    mdClient = createServiceClient(MarketDataService, md.url, { token: async () => adminToken, timeoutMs: 120_000 });
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
    // What serviceTokenSource issues for a service (the risk service reads marks with it).
    risk = await client("service:risk", ["user", "admin"]);
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

  /** Engine marks of every portfolio on every date, computed here straight from the engine over the same prices. */
  const engineMarks = async (): Promise<Map<string, { dates: string[]; navs: number[]; marks: PositionMark[][] }>> => {
    const store = new PgSnapshotStore(pool, schema);
    const portfolios = await store.listPortfolios({ ids: [...ids.values()], includeInactive: true });
    const positions = await store.positionsOf([...ids.values()]);
    const out = new Map<string, { dates: string[]; navs: number[]; marks: PositionMark[][] }>();
    for (const p of portfolios) {
      const pos = positions.get(p.id)!;
      const panel = await marketDataPriceSource(mdClient).closes(
        symbolsToPrice(pos),
        addTradingDays(p.firstEntryDate, -SNAPSHOT_HISTORY_DAYS),
        END,
      );
      const r = computeSnapshots({ positions: pos, startingEquity: p.startingEquity, prices: panel, endDate: END });
      out.set(p.id, { dates: r.snapshots.map((x) => x.date), navs: r.snapshots.map((x) => x.nav), marks: r.marks });
    }
    return out;
  };

  const CLASS_OF: Record<string, InvestmentClass> = {
    public: InvestmentClass.PUBLIC,
    options: InvestmentClass.OPTIONS,
    private: InvestmentClass.PRIVATE,
  };

  /** Asserts stored values equal engine marks exactly (float8 round-trips a double bit for bit). */
  const assertMarksEqual = (got: readonly PositionValue[], want: readonly PositionMark[], label: string) => {
    assert.equal(got.length, want.length, `${label}: position count`);
    got.forEach((g, i) => {
      const w = want[i]!;
      assert.equal(g.positionId, w.positionId, `${label} #${i} position_id`);
      assert.equal(g.symbol, w.symbol, `${label} #${i}`);
      for (const key of ["quantity", "lastPrice", "marketValue", "unrealizedPnl", "weight"] as const) {
        // Exact (===, so -0 equals 0: a zero's sign does not survive Postgres/protobuf).
        assert.ok(g[key] === w[key], `${label} ${w.symbol} ${key}: ${g[key]} vs ${w[key]}`);
      }
      assert.equal(PriceStatus[g.priceStatus].toLowerCase(), w.priceStatus, `${label} ${w.symbol} price_status`);
      assert.equal(g.investmentClass, CLASS_OF[w.positionClass], `${label} ${w.symbol} investment_class`);
    });
  };

  const valueChecksum = async (id: string) =>
    (
      await pool.query(
        `SELECT md5(string_agg(t::text, '|' ORDER BY date)) AS h, coalesce(sum(cardinality(position_ids)), 0)::int AS n FROM ${schema}.position_marks t WHERE portfolio_id = $1`,
        [id],
      )
    ).rows[0] as { h: string; n: number };

  it("phase 2 stored every date's marks: GetPositionValueRange equals the engine run directly, nav equals the snapshot's", async () => {
    const dates = tradingDays("2019-01-02", END);
    const want = await engineMarks();
    const res = await risk.getPositionValueRange({ portfolioIds: [...ids.values()], startDate: "2019-01-01", endDate: END });
    const sortedIds = [...ids.values()].sort();
    assert.equal(res.days.length, 3 * dates.length);
    // Ordered by portfolio id, then date.
    assert.deepEqual(
      res.days.map((d) => `${d.portfolioId} ${d.date}`),
      sortedIds.flatMap((id) => dates.map((d) => `${id} ${d}`)),
    );
    let values = 0;
    for (const id of sortedIds) {
      const snaps = (await alice.getSnapshots({ portfolioId: id, startDate: "2019-01-01", endDate: END })).snapshots;
      const days = res.days.filter((d) => d.portfolioId === id);
      const w = want.get(id)!;
      assert.deepEqual(w.dates, dates);
      days.forEach((d, k) => {
        assert.equal(d.nav, snaps[k]!.nav, `${id} ${d.date} nav = snapshot nav`);
        assert.equal(d.nav, w.navs[k], `${id} ${d.date} nav = engine nav`);
        assert.equal(d.values.length, snaps[k]!.numPositions, `${id} ${d.date}: one mark per active position`);
        assertMarksEqual(d.values, w.marks[k]!, `${id} ${d.date}`);
        values += d.values.length;
      });
    }
    // The packed answer holds the same marks, column by column, in the same order.
    const packed = await risk.getPositionValueRange({
      portfolioIds: [...ids.values()],
      startDate: "2019-01-01",
      endDate: END,
      packed: true,
    });
    assert.equal(packed.days.length, res.days.length);
    packed.days.forEach((d, k) => {
      const v = res.days[k]!.values;
      assert.equal(d.values.length, 0);
      assert.deepEqual([d.portfolioId, d.date, d.nav], [res.days[k]!.portfolioId, res.days[k]!.date, res.days[k]!.nav]);
      assert.deepEqual(
        {
          ids: d.packed!.positionIds,
          symbols: d.packed!.symbols,
          lastPrices: d.packed!.lastPrices,
          marketValues: d.packed!.marketValues,
          pnls: d.packed!.unrealizedPnls,
          weights: d.packed!.weights,
          quantities: d.packed!.quantities,
          statuses: d.packed!.priceStatuses,
          classes: d.packed!.investmentClasses,
        },
        {
          ids: v.map((x) => x.positionId),
          symbols: v.map((x) => x.symbol),
          lastPrices: v.map((x) => x.lastPrice),
          marketValues: v.map((x) => x.marketValue),
          pnls: v.map((x) => x.unrealizedPnl),
          weights: v.map((x) => x.weight),
          quantities: v.map((x) => x.quantity),
          statuses: v.map((x) => x.priceStatus),
          classes: v.map((x) => x.investmentClass),
        },
        `${d.portfolioId} ${d.date}`,
      );
    });
    // Every stored row was returned (nothing outside the snapshots' dates).
    const stored = (await pool.query(`SELECT coalesce(sum(cardinality(position_ids)), 0)::int AS n FROM ${schema}.position_marks`)).rows[0]
      .n as number;
    assert.equal(values, stored);
    assert.ok(values > 3 * dates.length * 5, `only ${values} marks`);
    // The last date also equals the independent Python reference.
    for (const [name, id] of ids) {
      const last = res.days.filter((d) => d.portfolioId === id).at(-1)!;
      const got = last.values.map((v) => ({ ...snakeCaseKeys(v), price_status: PriceStatus[v.priceStatus].toLowerCase() }));
      assertPositionsMatch(got, reference.portfolios[name]!.positions, reference.portfolios[name]!.snapshots.at(-1)!.nav as number, name);
    }
    // A sub-range and an owner's read.
    const sub = await alice.getPositionValueRange({
      portfolioIds: [ids.get("long-short")!],
      startDate: "2019-06-29",
      endDate: "2019-07-03",
    });
    assert.deepEqual(
      sub.days.map((d) => d.date),
      ["2019-07-01", "2019-07-02", "2019-07-03"],
    );
  });

  it("a forced recompute of a range leaves identical marks and no stale row for a position that exited", async () => {
    const id = ids.get("long-short")!;
    const before = await valueChecksum(id);
    const hd = (await alice.getPortfolio({ portfolioId: id })).portfolio!.positions.find((p) => p.symbol === "HD")!;
    assert.equal(hd.exitDate, "2019-07-01");
    // HD is marked up to the day before its exit and never after.
    const around = await alice.getPositionValueRange({ portfolioIds: [id], startDate: "2019-06-27", endDate: "2019-07-02" });
    assert.deepEqual(
      around.days.map((d) => [d.date, d.values.some((v) => v.positionId === hd.id)]),
      [
        ["2019-06-27", true],
        ["2019-06-28", true],
        ["2019-07-01", false],
        ["2019-07-02", false],
      ],
    );
    // A mark left behind by an earlier computation (HD as if still held after its exit) must disappear.
    await pool.query(
      `UPDATE ${schema}.position_marks
          SET position_ids = position_ids || $2::text, symbols = symbols || 'HD'::text, quantities = quantities || 2500::float8,
              last_prices = last_prices || 1::float8, price_statuses = price_statuses || 'live'::text,
              market_values = market_values || 2500::float8, unrealized_pnls = unrealized_pnls || 0::float8,
              weights = weights || 0.001::float8, investment_classes = investment_classes || 'public'::text
        WHERE portfolio_id = $1 AND date = '2019-07-02'`,
      [id, hd.id],
    );
    assert.equal((await valueChecksum(id)).n, before.n + 1);
    const res = await admin.computeSnapshots({ cells: [{ portfolioId: id, dates: tradingDays("2019-06-03", "2019-07-31") }] });
    assert.equal(Number(res.counters?.outputs), tradingDays("2019-06-03", "2019-07-31").length, "outputs = snapshot rows");
    assert.deepEqual(await valueChecksum(id), before);
  });

  it("GetPositionValueRange validates its input with INVALID_ARGUMENT naming the field", async () => {
    const id = ids.get("balanced-5m")!;
    const bad = async (req: { portfolioIds: string[]; startDate: string; endDate: string }, field: string) => {
      await assert.rejects(admin.getPositionValueRange(req), (e) => {
        const err = ConnectError.from(e);
        assert.equal(err.code, Code.InvalidArgument, `${JSON.stringify(req).slice(0, 120)}: ${err.message}`);
        assert.match(err.message, new RegExp(field.replace(/[[\]]/g, "\\$&")), err.message);
        return true;
      });
    };
    await bad({ portfolioIds: [], startDate: "2019-01-02", endDate: END }, "portfolio_ids");
    const many = Array.from({ length: 1001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    await bad({ portfolioIds: many, startDate: "2019-01-02", endDate: END }, "portfolio_ids");
    await bad({ portfolioIds: ["nope"], startDate: "2019-01-02", endDate: END }, "portfolio_ids[0]");
    await bad({ portfolioIds: [id], startDate: "2019-13-01", endDate: END }, "start_date");
    await bad({ portfolioIds: [id], startDate: "2019-01-02", endDate: "" }, "end_date");
    await bad({ portfolioIds: [id], startDate: END, endDate: "2019-01-02" }, "start_date");
    // 2015-01-02..2019-12-31 holds 1,258 trading days; 2016-01-04..2019-12-20 holds 999 (accepted).
    await bad({ portfolioIds: [id], startDate: "2015-01-02", endDate: "2019-12-31" }, "end_date");
    await bad({ portfolioIds: [id], startDate: "0001-01-01", endDate: "9999-12-31" }, "end_date");
    assert.equal(tradingDays("2016-01-04", "2019-12-20").length <= 1000, true);
    const ok = await admin.getPositionValueRange({ portfolioIds: [id], startDate: "2016-01-04", endDate: "2019-12-20" });
    assert.equal(ok.days.at(-1)?.date, "2019-12-20");
  });

  it("GetPositionValueRange access: owner, admin and service tokens read; others get the missing-portfolio answer", async () => {
    const id = ids.get("balanced-5m")!;
    const missing = "00000000-0000-4000-8000-000000000000";
    const req = (portfolioIds: string[]) => ({ portfolioIds, startDate: END, endDate: END });
    for (const c of [alice, admin, risk]) assert.equal((await c.getPositionValueRange(req([id]))).days.length, 1);
    // Bob: the same PERMISSION_DENIED for alice's portfolio, a missing one, or a mix (as GetSnapshots).
    for (const portfolioIds of [[id], [missing], [missing, id]]) {
      await assert.rejects(bob.getPositionValueRange(req(portfolioIds)), (e) => ConnectError.from(e).code === Code.PermissionDenied);
    }
    await assert.rejects(alice.getPositionValueRange(req([id, missing])), (e) => ConnectError.from(e).code === Code.PermissionDenied);
    // Admins and services learn which id is unknown.
    for (const c of [admin, risk]) {
      await assert.rejects(c.getPositionValueRange(req([id, missing])), (e) => {
        const err = ConnectError.from(e);
        return err.code === Code.NotFound && err.message.includes(missing);
      });
    }
  });

  it("GetReturnSeries equals GetSnapshots' daily returns for many portfolios in one call, with the same validation and access", async () => {
    const all = [...ids.values()];
    const res = await risk.getReturnSeries({ portfolioIds: [...all, all[0]!], startDate: "2019-03-01", endDate: END });
    assert.deepEqual(
      res.series.map((s) => s.portfolioId),
      all,
      "one series per portfolio, request order, duplicates merged",
    );
    for (const s of res.series) {
      const one = await admin.getSnapshots({ portfolioId: s.portfolioId, startDate: "2019-03-01", endDate: END });
      assert.ok(one.snapshots.length > 0);
      assert.deepEqual(
        s.dates,
        one.snapshots.map((x) => x.date),
      );
      assert.deepEqual(
        s.dailyReturns,
        one.snapshots.map((x) => x.dailyReturn),
      );
    }
    // Before any snapshot: an empty series, not an error.
    const early = await risk.getReturnSeries({ portfolioIds: [all[0]!], startDate: "2010-01-04", endDate: "2010-02-01" });
    assert.deepEqual(early.series[0]?.dates, []);
    const invalid = (e: unknown) => ConnectError.from(e).code === Code.InvalidArgument;
    await assert.rejects(admin.getReturnSeries({ portfolioIds: [], startDate: "2019-01-02", endDate: END }), invalid);
    await assert.rejects(admin.getReturnSeries({ portfolioIds: [all[0]!], startDate: "2015-01-02", endDate: "2019-12-31" }), invalid);
    await assert.rejects(admin.getReturnSeries({ portfolioIds: ["nope"], startDate: "2019-01-02", endDate: END }), invalid);
    await assert.rejects(bob.getReturnSeries({ portfolioIds: [all[0]!], startDate: END, endDate: END }), (e) => {
      return ConnectError.from(e).code === Code.PermissionDenied;
    });
  });

  it("position values on the last date equal the reference; GetPositionValues returns the latest date", async () => {
    // Phase 2 already stored END's marks; phase 2.5 recomputes them to the same values.
    const before = await Promise.all([...ids.values()].map(valueChecksum));
    const pv = await admin.computePositionValues({ portfolioIds: [...ids.values()], date: END });
    assert.deepEqual(await Promise.all([...ids.values()].map(valueChecksum)), before);
    assert.ok(Number(pv.counters?.outputs) > 0);
    for (const [name, id] of ids) {
      const res = await alice.getPositionValues({ portfolioId: id });
      assert.equal(res.date, END);
      const navRow = reference.portfolios[name]!.snapshots.at(-1)!;
      const got = res.values.map((v) => ({ ...snakeCaseKeys(v), price_status: PriceStatus[v.priceStatus].toLowerCase() }));
      assertPositionsMatch(got, reference.portfolios[name]!.positions, navRow.nav as number, name);
      assert.ok(
        res.values.every((v) => v.investmentClass !== InvestmentClass.UNSPECIFIED),
        `${name}: investment_class filled`,
      );
      const classes = new Map((await alice.getPortfolio({ portfolioId: id })).portfolio!.positions.map((p) => [p.id, p.investmentClass]));
      for (const v of res.values) assert.equal(v.investmentClass, classes.get(v.positionId), `${name} ${v.symbol} investment_class`);
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
    const marks = reference.portfolios["private-and-options"]!.snapshots.reduce((n, r) => n + (r.num_positions as number), 0);
    assert.equal(Number(res.positionValuesDeleted), marks);
    const left = await pool.query(
      `SELECT (SELECT count(*) FROM ${schema}.snapshots WHERE portfolio_id = $1)::int + (SELECT count(*) FROM ${schema}.positions WHERE portfolio_id = $1)::int
            + (SELECT count(*) FROM ${schema}.position_marks WHERE portfolio_id = $1)::int AS n`,
      [id],
    );
    assert.equal(left.rows[0].n, 0);
    await assert.rejects(admin.deletePortfolio({ portfolioId: id }), (e) => ConnectError.from(e).code === Code.NotFound);
  });
});
