// `sigma onboard`, `portfolios`, `snapshots`, `positions` and `run --portfolio` against fake services at
// the CLI's edge (real gRPC over loopback, canned answers): exit codes, messages, the exact JSON shapes.
import assert from "node:assert/strict";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import {
  ImportErrorCode,
  ImportErrorSchema,
  InvestmentClass,
  OptionType,
  PortfolioSchema,
  PositionSchema,
  PositionValueSchema,
  PriceStatus,
  RunStatus,
  SnapshotSchema,
} from "@sigma/contracts";
import type { RunningServer } from "@sigma/runtime";
import { runSigma } from "./cli.js";
import { capture, FakeState, fakeEnv, startFakeServices } from "./testing/fake-services.js";

const P1 = "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b";
const P2 = "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d";
const FOREIGN = "99999999-aaaa-4bbb-8ccc-dddddddddddd";
const UNKNOWN = "00000000-0000-4000-8000-00000000abcd";

let state: FakeState;
let server: RunningServer;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sigma-cli-portfolios-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  state = new FakeState();
  server = await startFakeServices(state);
});
afterEach(async () => {
  await server.close();
});

async function sigma(args: string[], opts: { env?: Record<string, string> } = {}) {
  const c = capture(fakeEnv(server.url, opts.env));
  const code = await runSigma(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

async function csvFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

const CSV = "Symbol,Quantity,Entry Price Per Share,Entry Date\nAAPL,10,100,2020-01-02\n";

function portfolio(id: string, extra: Record<string, unknown> = {}) {
  return create(PortfolioSchema, {
    id,
    name: `book ${id.slice(0, 4)}`,
    owner: "alice",
    active: true,
    firstEntryDate: "2020-01-02",
    ...extra,
  });
}

describe("onboard", () => {
  test("a missing file is a usage error naming it, and nothing is sent", async () => {
    const file = join(dir, "nope.csv");
    const r = await sigma(["onboard", file, "--name", "Book"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^sigma: cannot read ${file}: ENOENT\\n$`));
    const d = await sigma(["onboard", dir, "--name", "Book"]);
    assert.equal(d.code, 2);
    assert.equal(d.stderr, `sigma: ${dir}: not a file\n`);
    assert.equal(state.onboardRequests.length, 0);
  });

  test("a file over 10 MB is refused before sending", async () => {
    const file = join(dir, "big.csv");
    await writeFile(file, CSV);
    await truncate(file, 10 * 1024 * 1024 + 1);
    const r = await sigma(["onboard", file, "--name", "Book"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /10485761 bytes is larger than the 10485760-byte \(10 MB\) limit/);
    assert.equal(state.onboardRequests.length, 0);
  });

  test("a bad --equity or an empty --name is a usage error before sending", async () => {
    const file = await csvFile("ok.csv", CSV);
    for (const [args, message] of [
      [["--name", "Book", "--equity", "abc"], /--equity: not an amount > 0: "abc"/],
      [["--name", "Book", "--equity", "-5"], /--equity: not an amount > 0: "-5"/],
      [["--name", " "], /--name: empty/],
    ] as const) {
      const r = await sigma(["onboard", file, ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    assert.equal(state.onboardRequests.length, 0);
  });

  test("a rejected file prints every problem (row/column, or file) with its code word and exits 1", async () => {
    const file = await csvFile("bad.csv", CSV);
    state.importErrors = [
      create(ImportErrorSchema, {
        row: 0,
        column: "",
        code: ImportErrorCode.NO_POSITIONS,
        message: "the file has a header but no position rows",
      }),
      create(ImportErrorSchema, { row: 3, column: "Quantity", code: ImportErrorCode.ZERO_QUANTITY, message: "quantity is 0" }),
      create(ImportErrorSchema, { row: 5, column: "", code: ImportErrorCode.INVALID_ENCODING, message: "line 5 is not valid UTF-8" }),
    ];
    const r = await sigma(["onboard", file, "--name", "Book"]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.stdout.trimEnd().split("\n"), [
      "file: no_positions the file has a header but no position rows",
      "row 3, column Quantity: zero_quantity quantity is 0",
      "row 5: invalid_encoding line 5 is not valid UTF-8",
    ]);
    assert.match(r.stderr, /^sigma: .*bad\.csv rejected: 3 problem\(s\), nothing stored\n$/);
    assert.equal(state.runs.size, 0);

    const j = await sigma(["onboard", file, "--name", "Book", "--json"]);
    assert.equal(j.code, 1);
    assert.deepEqual(JSON.parse(j.stdout), {
      portfolio_id: null,
      run_id: null,
      errors: [
        { row: 0, column: "", code: "no_positions", message: "the file has a header but no position rows" },
        { row: 3, column: "Quantity", code: "zero_quantity", message: "quantity is 0" },
        { row: 5, column: "", code: "invalid_encoding", message: "line 5 is not valid UTF-8" },
      ],
    });
  });

  test("an accepted file sends its bytes, name and equity, follows the run and exits 0", async () => {
    const file = await csvFile("ok.csv", CSV);
    const r = await sigma(["onboard", file, "--name", "Book", "--equity", "250000"]);
    assert.equal(r.code, 0, r.stderr);
    const req = state.onboardRequests[0]!;
    assert.equal(Buffer.from(req.csv).toString(), CSV);
    assert.equal(req.name, "Book");
    assert.equal(req.startingEquity, 250000);
    const pid = state.portfolios[0]!.id;
    const [runId] = [...state.runs.keys()];
    assert.match(r.stdout, new RegExp(`portfolio ${pid} imported from .*ok\\.csv; backfill run ${runId} started`));
    assert.match(r.stdout, new RegExp(`run ${runId}: completed \\(3/3 dates`));
  });

  test("--json prints the ids and the final run record; without --equity none is sent", async () => {
    const file = await csvFile("ok.csv", CSV);
    const r = await sigma(["onboard", file, "--name", "Book", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(state.onboardRequests[0]!.startingEquity, undefined);
    const doc = JSON.parse(r.stdout) as { portfolio_id: string; run_id: string; run: { id: string; status: string; portfolioId: string } };
    assert.deepEqual(Object.keys(doc), ["portfolio_id", "run_id", "run"]);
    assert.equal(doc.portfolio_id, state.portfolios[0]!.id);
    assert.equal(doc.run.id, doc.run_id);
    assert.equal(doc.run.status, "completed");
    assert.equal(doc.run.portfolioId, doc.portfolio_id);
  });

  test("--detach --json prints just the ids at once", async () => {
    const file = await csvFile("ok.csv", CSV);
    state.onboardRunStatus = RunStatus.RUNNING;
    const r = await sigma(["onboard", file, "--name", "Book", "--detach", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { portfolio_id: state.portfolios[0]!.id, run_id: [...state.runs.keys()][0] });
  });

  test("a failed backfill run exits 1", async () => {
    const file = await csvFile("ok.csv", CSV);
    state.onboardRunStatus = RunStatus.FAILED;
    const r = await sigma(["onboard", file, "--name", "Book"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /sigma: run \S+ failed/);
  });
});

describe("portfolios list", () => {
  test("LAG counts trading days after the watermark up to the SIGMA_AS_OF target (holidays skipped)", async () => {
    // 2020-01-20 is Martin Luther King Jr. Day: after 2020-01-17 come 01-21, 01-22, 01-23.
    state.portfolios = [
      portfolio(P1, { watermarkDate: "2020-01-17" }),
      portfolio(P2, { firstEntryDate: "2020-01-22", owner: "bob" }),
      portfolio(UNKNOWN, { active: false, watermarkDate: "2020-01-23" }),
    ];
    const r = await sigma(["portfolios", "list"], { env: { SIGMA_AS_OF: "2020-01-23" } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines[0]!.split(/\s{2,}/), ["ID", "NAME", "OWNER", "FIRST ENTRY", "WATERMARK", "LAG"]);
    assert.deepEqual(lines[1]!.split(/\s{2,}/), [P1, "book 3f2b", "alice", "2020-01-02", "2020-01-17", "3"]);
    assert.deepEqual(lines[2]!.split(/\s{2,}/), [P2, "book 7a6b", "bob", "2020-01-22", "none", "2"]);
    assert.equal(lines.length, 3, r.stdout); // the inactive one only with --all
    assert.equal(r.stderr, "LAG: trading days behind the target date 2020-01-23\n");
  });

  test("--json: one object per portfolio with exactly the documented keys; --all adds inactive ones", async () => {
    state.portfolios = [portfolio(P1), portfolio(P2, { active: false, watermarkDate: "2020-01-23" })];
    const r = await sigma(["portfolios", "list", "--all", "--json"], { env: { SIGMA_AS_OF: "2020-01-24" } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      {
        id: P1,
        name: "book 3f2b",
        owner: "alice",
        first_entry_date: "2020-01-02",
        watermark_date: null,
        lag_trading_days: 16,
        active: true,
      },
      {
        id: P2,
        name: "book 7a6b",
        owner: "alice",
        first_entry_date: "2020-01-02",
        watermark_date: "2020-01-23",
        lag_trading_days: 1,
        active: false,
      },
    ]);
  });

  test("no portfolios says how to import one", async () => {
    const r = await sigma(["portfolios", "list"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /no portfolios yet \(`sigma onboard FILE --name NAME` imports one\)/);
  });
});

describe("portfolios show", () => {
  beforeEach(() => {
    state.portfolios = [
      portfolio(P1, {
        watermarkDate: "2020-01-23",
        startingEquity: 100000,
        positions: [
          create(PositionSchema, {
            symbol: "AAPL",
            quantity: 10,
            entryPrice: 100,
            entryDate: "2020-01-02",
            investmentClass: InvestmentClass.PUBLIC,
            exitDate: "2020-01-21",
            exitPrice: 110.5,
          }),
          create(PositionSchema, {
            symbol: "AAPL200619C00150000",
            quantity: -2,
            entryPrice: 3.2,
            entryDate: "2020-01-03",
            investmentClass: InvestmentClass.OPTIONS,
            underlyingSymbol: "AAPL",
            strikePrice: 150,
            expirationDate: "2020-06-19",
            optionType: OptionType.CALL,
          }),
          create(PositionSchema, {
            symbol: "ACME",
            quantity: 1,
            entryPrice: 5000,
            entryDate: "2020-01-02",
            investmentClass: InvestmentClass.PRIVATE,
            marketValue: 6000,
          }),
        ],
      }),
    ];
  });

  test("--json: the portfolio with its positions (lower-case class, option fields for options, exits or null)", async () => {
    const r = await sigma(["portfolios", "show", P1, "--json"], { env: { SIGMA_AS_OF: "2020-01-23" } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      id: P1,
      name: "book 3f2b",
      owner: "alice",
      first_entry_date: "2020-01-02",
      watermark_date: "2020-01-23",
      lag_trading_days: 0,
      active: true,
      starting_equity: 100000,
      positions: [
        {
          symbol: "AAPL",
          quantity: 10,
          entry_price: 100,
          entry_date: "2020-01-02",
          investment_class: "public",
          exit_date: "2020-01-21",
          exit_price: 110.5,
        },
        {
          symbol: "AAPL200619C00150000",
          quantity: -2,
          entry_price: 3.2,
          entry_date: "2020-01-03",
          investment_class: "options",
          underlying_symbol: "AAPL",
          option_type: "call",
          strike_price: 150,
          expiration_date: "2020-06-19",
          exit_date: null,
          exit_price: null,
        },
        {
          symbol: "ACME",
          quantity: 1,
          entry_price: 5000,
          entry_date: "2020-01-02",
          investment_class: "private",
          market_value: 6000,
          exit_date: null,
          exit_price: null,
        },
      ],
    });
  });

  test("text: a header and a positions table", async () => {
    const r = await sigma(["portfolios", "show", P1.toUpperCase()], { env: { SIGMA_AS_OF: "2020-01-23" } });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `portfolio ${P1} "book 3f2b" (owner alice)`);
    assert.equal(lines[1], "  first entry 2020-01-02, watermark 2020-01-23, 0 trading day(s) behind 2020-01-23");
    assert.equal(lines[2], "  starting equity 100,000.00");
    assert.deepEqual(lines[3]!.split(/\s{2,}/), [
      "SYMBOL",
      "CLASS",
      "QUANTITY",
      "ENTRY PRICE",
      "ENTRY DATE",
      "EXIT DATE",
      "EXIT PRICE",
      "OPTION",
    ]);
    assert.deepEqual(lines[4]!.split(/\s{2,}/), ["AAPL", "public", "10", "100.00", "2020-01-02", "2020-01-21", "110.50"]);
    assert.deepEqual(lines[5]!.split(/\s{2,}/), [
      "AAPL200619C00150000",
      "options",
      "-2",
      "3.20",
      "2020-01-03",
      "-",
      "-",
      "call AAPL 150 2020-06-19",
    ]);
  });

  test("unknown or someone else's portfolio: not found or not yours (exit 1); a malformed id exits 2 before calling", async () => {
    state.foreign.add(FOREIGN);
    for (const id of [UNKNOWN, FOREIGN]) {
      const r = await sigma(["portfolios", "show", id]);
      assert.equal(r.code, 1, id);
      assert.equal(r.stderr, `sigma: portfolio ${id} not found or not yours\n`);
    }
    const bad = await sigma(["portfolios", "show", "my-book"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /PORTFOLIO: not a portfolio id: "my-book"/);
    assert.deepEqual(state.portfolioCalls, [`GetPortfolio ${UNKNOWN}`, `GetPortfolio ${FOREIGN}`]);
  });
});

describe("portfolios delete", () => {
  test("removes the portfolio and prints what was removed; --json counts as numbers", async () => {
    state.portfolios = [portfolio(P1, { positions: [create(PositionSchema, { symbol: "AAPL" })] }), portfolio(P2)];
    state.snapshots.set(P1, [create(SnapshotSchema, { date: "2020-01-22" }), create(SnapshotSchema, { date: "2020-01-23" })]);
    const r = await sigma(["portfolios", "delete", P1]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `removed portfolio ${P1}: 1 position(s), 2 snapshot(s), 0 position value(s)\n`);
    assert.deepEqual(
      state.portfolios.map((p) => p.id),
      [P2],
    );
    const j = await sigma(["portfolios", "delete", P2, "--json"]);
    assert.equal(j.code, 0, j.stderr);
    assert.deepEqual(JSON.parse(j.stdout), { portfolio_id: P2, positions_deleted: 0, snapshots_deleted: 0, position_values_deleted: 0 });
  });

  test("while a run holds the portfolio: exit 1 with the coordinator's message, nothing removed", async () => {
    state.portfolios = [portfolio(P1)];
    state.leased.add(P1);
    const r = await sigma(["portfolios", "delete", P1]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `sigma: portfolio ${P1} is held by run 00000000-0000-4000-8000-000000000007; retry when it ends\n`);
    assert.equal(state.portfolios.length, 1);
  });

  test("someone else's portfolio: not found or not yours", async () => {
    state.foreign.add(FOREIGN);
    const r = await sigma(["portfolios", "delete", FOREIGN]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `sigma: portfolio ${FOREIGN} not found or not yours\n`);
  });
});

describe("run --portfolio", () => {
  test("passes the portfolio id to RunBatch; a malformed one exits 2 before calling; a foreign one is not found", async () => {
    state.portfolios = [portfolio(P1)];
    state.foreign.add(FOREIGN);
    const r = await sigma(["run", "--portfolio", P1, "--detach"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(state.runBatchRequests[0]?.portfolioId, P1);

    const bad = await sigma(["run", "--portfolio", "p1"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--portfolio: not a portfolio id: "p1"/);
    assert.equal(state.runBatchRequests.length, 1);

    const foreign = await sigma(["run", "--portfolio", FOREIGN, "--detach"]);
    assert.equal(foreign.code, 1);
    assert.equal(foreign.stderr, `sigma: portfolio ${FOREIGN} not found or not yours\n`);
  });

  test("a refused --as-of (not admin) says credentials, not 'not yours'", async () => {
    state.portfolios = [portfolio(P1)];
    state.nonAdmin = true;
    const r = await sigma(["run", "--portfolio", P1, "--as-of", "2020-01-23", "--detach"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /refused the credentials: admin role required/);
    assert.doesNotMatch(r.stderr, /not yours/);
  });
});

const SNAPSHOT_KEYS = [
  "date",
  "nav",
  "cash",
  "long_value",
  "short_value",
  "gross_exposure",
  "net_exposure",
  "daily_pnl",
  "daily_return",
  "cumulative_pnl",
  "num_positions",
  "num_long",
  "num_short",
  "num_stale",
  "num_model_priced",
  "num_unpriced",
  "num_private",
  "num_quoted",
  "options_delta_dollars",
  "hhi",
  "effective_num_positions",
  "top_3_concentration",
  "top_10_concentration",
];

describe("snapshots", () => {
  beforeEach(() => {
    state.portfolios = [portfolio(P1)];
    const day = (date: string, nav: number, dailyPnl: number, dailyReturn: number, extra: Record<string, unknown> = {}) =>
      create(SnapshotSchema, {
        portfolioId: P1,
        date,
        nav,
        cash: 1000,
        longValue: nav - 1000,
        grossExposure: nav - 1000,
        netExposure: nav - 1000,
        dailyPnl,
        dailyReturn,
        cumulativePnl: nav - 100000,
        numPositions: 2,
        numLong: 2,
        numStale: 1,
        hhi: 5000,
        effectiveNumPositions: 2,
        top3Concentration: 1,
        top10Concentration: 1,
        ...extra,
      });
    state.snapshots.set(P1, [
      day("2020-01-21", 100000, 0, 0),
      day("2020-01-22", 101000, 1000, 0.01),
      day("2020-01-23", 99990, -1010, -0.01, { hhi: Number.NaN, top3Concentration: Number.POSITIVE_INFINITY, numUnpriced: 1 }),
    ]);
  });

  test("--json: exactly the documented keys, in order; non-finite values are null; --from/--to filter", async () => {
    const r = await sigma(["snapshots", P1, "--from", "2020-01-22", "--to", "2020-01-23", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const docs = JSON.parse(r.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      docs.map((d) => d.date),
      ["2020-01-22", "2020-01-23"],
    );
    for (const d of docs) assert.deepEqual(Object.keys(d), SNAPSHOT_KEYS);
    assert.deepEqual(docs[1], {
      date: "2020-01-23",
      nav: 99990,
      cash: 1000,
      long_value: 98990,
      short_value: 0,
      gross_exposure: 98990,
      net_exposure: 98990,
      daily_pnl: -1010,
      daily_return: -0.01,
      cumulative_pnl: -10,
      num_positions: 2,
      num_long: 2,
      num_short: 0,
      num_stale: 1,
      num_model_priced: 0,
      num_unpriced: 1,
      num_private: 0,
      num_quoted: 0,
      options_delta_dollars: 0,
      hhi: null,
      effective_num_positions: 2,
      top_3_concentration: null,
      top_10_concentration: 1,
    });
  });

  test("text: a table and a summary line (first → last date, NAV start → end, total return)", async () => {
    const r = await sigma(["snapshots", P1]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines[0]!.split(/\s{2,}/), [
      "DATE",
      "NAV",
      "DAILY P&L",
      "RETURN",
      "CUMULATIVE P&L",
      "GROSS",
      "NET",
      "POSITIONS",
      "STALE/UNPRICED",
    ]);
    assert.deepEqual(lines[2]!.trim().split(/\s{2,}/), [
      "2020-01-22",
      "101,000.00",
      "1,000.00",
      "+1.00%",
      "1,000.00",
      "100,000.00",
      "100,000.00",
      "2",
      "1/0",
    ]);
    assert.equal(lines.at(-1), "3 snapshot(s) 2020-01-21 → 2020-01-23: NAV 100,000.00 → 99,990.00, total return -0.01%");
  });

  test("none stored: says so with the command that computes them (exit 1); a bad --from exits 2", async () => {
    const r = await sigma(["snapshots", P1, "--from", "2021-01-04"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `sigma: no snapshots stored for portfolio ${P1} in 2021-01-04..… (run \`sigma run --portfolio ${P1}\`)\n`);
    const j = await sigma(["snapshots", P1, "--from", "2021-01-04", "--json"]);
    assert.equal(j.code, 1);
    assert.equal(j.stdout, "");
    const bad = await sigma(["snapshots", P1, "--from", "2020-02-30"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from: not a YYYY-MM-DD date: "2020-02-30"/);
    const range = await sigma(["snapshots", P1, "--from", "2020-01-23", "--to", "2020-01-02"]);
    assert.equal(range.code, 2);
    assert.equal(state.portfolioCalls.length, 2);
  });

  test("someone else's portfolio: not found or not yours", async () => {
    state.foreign.add(FOREIGN);
    const r = await sigma(["snapshots", FOREIGN, "--json"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr, `sigma: portfolio ${FOREIGN} not found or not yours\n`);
  });
});

describe("positions", () => {
  beforeEach(() => {
    state.portfolios = [portfolio(P1)];
    const value = (symbol: string, priceStatus: PriceStatus, extra: Record<string, unknown> = {}) =>
      create(PositionValueSchema, {
        symbol,
        quantity: 10,
        lastPrice: 101,
        marketValue: 1010,
        unrealizedPnl: 10,
        weight: 0.5,
        priceStatus,
        ...extra,
      });
    state.positionValues.set(
      P1,
      new Map([
        ["2020-01-21", [value("AAPL", PriceStatus.LIVE)]],
        ["2020-01-23", [value("AAPL", PriceStatus.STALE), value("ACME", PriceStatus.MODEL_PRICED, { quantity: -1, weight: Number.NaN })]],
      ]),
    );
  });

  test("--json: exactly the documented keys; price_status as a word; NaN weight is null", async () => {
    const r = await sigma(["positions", P1, "--date", "2020-01-23", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { symbol: "AAPL", quantity: 10, last_price: 101, price_status: "stale", market_value: 1010, unrealized_pnl: 10, weight: 0.5 },
      { symbol: "ACME", quantity: -1, last_price: 101, price_status: "model_priced", market_value: 1010, unrealized_pnl: 10, weight: null },
    ]);
  });

  test("text: says which stored date answers --date, then a table", async () => {
    const r = await sigma(["positions", P1, "--date", "2020-01-22"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `positions of portfolio ${P1} on 2020-01-21 (the latest stored on or before 2020-01-22)`);
    assert.deepEqual(lines[1]!.split(/\s{2,}/), ["SYMBOL", "QUANTITY", "LAST PRICE", "STATUS", "MARKET VALUE", "UNREALIZED P&L", "WEIGHT"]);
    assert.deepEqual(lines[2]!.split(/\s{2,}/), ["AAPL", "10", "101.00", "live", "1,010.00", "10.00", "50.00%"]);
    assert.equal(lines.length, 3);
    const latest = await sigma(["positions", P1]);
    assert.match(latest.stdout, /on 2020-01-23 \(the latest stored\)/);
  });

  test("nothing stored on or before the date: says so with the command to run (exit 1)", async () => {
    const r = await sigma(["positions", P1, "--date", "2020-01-02"]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      `sigma: no position values stored for portfolio ${P1} on or before 2020-01-02 (run \`sigma run --portfolio ${P1}\`)\n`,
    );
    const bad = await sigma(["positions", "nope", "--date", "2020-01-02"]);
    assert.equal(bad.code, 2);
  });
});
