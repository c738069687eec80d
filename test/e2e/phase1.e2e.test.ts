/**
 * Phase 1 end to end, over real processes: the six services started as separate processes against
 * a fresh Postgres database and a fresh JetStream stream (JWT auth), driven through the CLI,
 * typed Connect clients, a grpc-js client and `buf curl`.
 *
 * The system is started once for the file; the tests run in order and share its state (the
 * main scenario adds the portfolio's symbols that later tests rely on).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import {
  FACTOR_ETFS,
  Phase,
  RunSource,
  RunState,
  RunStatus,
  SkipReason,
  StatusViewSchema,
  type WatchStatusResponse,
} from "@sigma/contracts";
import {
  cliJson,
  collectWatch,
  describeWatch,
  eventKind,
  PRICES_CSV,
  readPortfolioSymbols,
  readRunEvents,
  repoRoot,
  sharedDataPath,
  startSystem,
  type System,
} from "@sigma/testing";

const execFileP = promisify(execFile);
const BUF = path.join(repoRoot, "node_modules/.bin/buf");
const PORTFOLIO = sharedDataPath("portfolios/balanced-5m.csv");
/** The two mutual funds of the portfolio the price file does not carry. */
const UNAVAILABLE = ["GGIPX", "NEAIX"];
const SIGMA_SERVICES = {
  coordinator: "sigma.coordinator.v1.CoordinatorService",
  "market-data": "sigma.marketdata.v1.MarketDataService",
  factor: "sigma.factor.v1.FactorService",
  snapshot: "sigma.snapshot.v1.SnapshotService",
  risk: "sigma.risk.v1.RiskService",
  status: "sigma.status.v1.StatusService",
} as const;
const TERMINAL_STATES = new Set([RunState.COMPLETED, RunState.COMPLETED_WITH_WARNINGS, RunState.FAILED, RunState.CANCELLED]);

let sys: System;

/** Runs a test body; on failure appends every service's output tail to the error. */
async function withLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof Error && sys) err.message += `\n${sys.describe(30)}`;
    throw err;
  }
}

/** Closes of `symbol` in [from, to] from the shared prices file, by date. */
async function fileCloses(symbol: string, from: string, to: string): Promise<{ date: string; close: number }[]> {
  const lines = (await readFile(PRICES_CSV, "utf8")).split("\n");
  const header = lines[0]!.split(",");
  const [d, s, c] = ["date", "symbol", "close"].map((h) => header.indexOf(h));
  return lines
    .slice(1)
    .map((l) => l.split(","))
    .filter((f) => f[s!] === symbol && f[d!]! >= from && f[d!]! <= to)
    .map((f) => ({ date: f[d!]!, close: Number(f[c!]) }))
    .sort((a, b) => a.date.localeCompare(b.date));
}

/** Waits until the coordinator reports the run as no longer running. */
async function waitForRunEnd(runId: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { run } = await sys.clients.coordinator.getRun({ runId });
    if (run && run.status !== RunStatus.RUNNING) return run;
    if (Date.now() > until) throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const isTerminal = (m: WatchStatusResponse): boolean => m.status !== undefined && TERMINAL_STATES.has(m.status.state);
const statusJson = (m: WatchStatusResponse | { status?: WatchStatusResponse["status"] }) => toJson(StatusViewSchema, m.status!);

/**
 * Checks the resume contract over a sequence of WatchStatus messages against the run's events in
 * the stream: seqs strictly increase (no duplicates), every event message is the stream's event
 * with that seq, and every run event after the first message is either delivered as an event
 * message or folded into a later status-only message (no gaps).
 */
function assertCoversStream(
  msgs: readonly WatchStatusResponse[],
  streamEvents: readonly { seq: number; event: { payload: { case?: string } } }[],
): void {
  const seqs = msgs.map((m) => Number(m.seq));
  for (let i = 1; i < seqs.length; i++) {
    assert.ok(seqs[i]! > seqs[i - 1]!, `seq not strictly increasing at message ${i}: ${describeWatch(msgs)}`);
  }
  const bySeq = new Map(streamEvents.map((e) => [e.seq, e]));
  for (const m of msgs) {
    if (!m.event) continue;
    const e = bySeq.get(Number(m.seq));
    assert.ok(e, `event message seq ${m.seq} is not an event of this run`);
    assert.equal(eventKind(m.event), e.event.payload.case, `event kind at seq ${m.seq}`);
  }
  const first = seqs[0]!;
  for (const e of streamEvents) {
    if (e.seq <= first) continue;
    // Delivered as such, or covered by a status-only message whose seq reaches past it.
    const idx = seqs.findIndex((s) => s >= e.seq);
    assert.ok(idx >= 0, `run event seq ${e.seq} (${e.event.payload.case}) never reached the watcher: ${describeWatch(msgs)}`);
    const m = msgs[idx]!;
    assert.ok(seqs[idx] === e.seq || !m.event, `run event seq ${e.seq} (${e.event.payload.case}) skipped: ${describeWatch(msgs)}`);
  }
}

describe("phase 1 end to end (six processes, Postgres, NATS JetStream)", () => {
  before(async () => {
    // Small sync batches: several progress events per run and several cancellation points.
    sys = await startSystem({ serviceEnv: { coordinator: { SIGMA_SYNC_BATCH: "4" } } });
  });
  after(async () => {
    await sys?.stop();
  });

  test("every service lists its sigma service, health and both reflection versions via buf curl", () =>
    withLogs(async () => {
      for (const [name, sigmaService] of Object.entries(SIGMA_SERVICES)) {
        const url = sys.urls[name as keyof typeof SIGMA_SERVICES];
        const { stdout } = await execFileP(BUF, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--list-services", url]);
        const listed = stdout.trim().split("\n").sort();
        assert.deepEqual(
          listed,
          ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", sigmaService].sort(),
          `${name} services`,
        );
      }
      const { stdout } = await execFileP(BUF, [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "--list-methods",
        sys.urls.coordinator,
      ]);
      const methods = stdout.trim().split("\n");
      for (const m of ["RunBatch", "GetRun", "ListRuns", "CancelRun"]) {
        assert.ok(methods.includes(`sigma.coordinator.v1.CoordinatorService/${m}`), `${m} in ${stdout}`);
      }
    }));

  test("a grpc-js client interoperates with market data: auth and status codes", () =>
    withLogs(async () => {
      const def = await protoLoader.load("sigma/marketdata/v1/marketdata.proto", {
        includeDirs: [path.join(repoRoot, "proto"), path.join(repoRoot, "third_party/proto")],
        longs: String,
        enums: String,
        defaults: true,
      });
      const pkg = grpc.loadPackageDefinition(def) as unknown as {
        sigma: { marketdata: { v1: { MarketDataService: grpc.ServiceClientConstructor } } };
      };
      const client = new pkg.sigma.marketdata.v1.MarketDataService(
        `127.0.0.1:${sys.ports["market-data"]}`,
        grpc.credentials.createInsecure(),
      );
      type Unary = (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res?: unknown) => void) => void;
      const call = (method: string, req: object, token?: string) =>
        new Promise<{ err: grpc.ServiceError | null; res: unknown }>((resolve) => {
          const md = new grpc.Metadata();
          if (token) md.set("authorization", `Bearer ${token}`);
          (client[method] as Unary).call(client, req, md, (err, res) => resolve({ err, res }));
        });
      try {
        const ok = await call("ListSymbols", { includeFactorEtfs: true }, sys.adminToken);
        assert.equal(ok.err, null, `ListSymbols with a token: ${ok.err?.message}`);
        assert.ok(Array.isArray((ok.res as { symbols: unknown[] }).symbols));

        const anon = await call("ListSymbols", { includeFactorEtfs: true });
        assert.equal(anon.err?.code, grpc.status.UNAUTHENTICATED, `without a token: ${anon.err?.message}`);

        const bad = await call("GetPriceSeries", { symbols: ["SPY"], startDate: "2020-13-45", endDate: "2020-01-23" }, sys.adminToken);
        assert.equal(bad.err?.code, grpc.status.INVALID_ARGUMENT, `bad date: ${bad.err?.message}`);
        assert.match(bad.err!.details, /start_date/);
      } finally {
        client.close();
      }
    }));

  test("main scenario: portfolio symbols, forced run, counters, problems, prices, status stream", () =>
    withLogs(async () => {
      const symbols = await readPortfolioSymbols(PORTFOLIO);
      assert.ok(symbols.length > 2 && UNAVAILABLE.every((s) => symbols.includes(s)));
      const add = cliJson<{ symbols: string[]; added: number }>(await sys.cli(["symbols", "add", ...symbols, "--json"]));
      assert.deepEqual([...add.symbols].sort(), [...symbols].sort());
      assert.equal(add.added, symbols.length);

      const started = cliJson<{ runId: string }>(
        await sys.cli(["run", "--force", "--from", "2019-12-02", "--to", "2020-01-23", "--detach", "--json"]),
      );
      assert.match(started.runId, /^[0-9a-f-]{36}$/);
      const runId = started.runId;
      // Events are durable: a watch opened now sees the status so far, then every later event.
      const [watched, streamEvents] = await Promise.all([
        collectWatch(sys.clients.status, { runId, until: isTerminal }),
        readRunEvents({ natsUrl: sys.natsUrl, stream: sys.stream, runId }),
      ]);

      // GetRun: final status, counters and problems.
      const run = await waitForRunEnd(runId);
      assert.equal(run.status, RunStatus.COMPLETED_WITH_WARNINGS, run.errorSummary);
      // Phase 1 comes first; later phases join the run as they are built.
      const md = run.phases[0]!;
      assert.equal(md.phase, Phase.MARKET_DATA);
      assert.ok(
        run.phases.every((p) => p.state === "completed"),
        JSON.stringify(run.phases.map((p) => [p.phase, p.state])),
      );
      const universe = new Set([...symbols, ...FACTOR_ETFS]);
      assert.equal(Number(md.counters!.inputs), universe.size);
      assert.equal(Number(md.counters!.outputs), universe.size - UNAVAILABLE.length);
      const unavailableSkips = md.counters!.skipped.find((s) => s.reason === SkipReason.SYMBOL_UNAVAILABLE);
      assert.equal(Number(unavailableSkips?.count), 2);
      assert.deepEqual(run.problems.map((p) => p.symbol).sort(), UNAVAILABLE);
      assert.ok(run.problems.every((p) => p.reason === SkipReason.SYMBOL_UNAVAILABLE));

      // Every other symbol has prices up to the as-of date.
      const { symbols: listed } = await sys.clients.marketData.listSymbols({ includeFactorEtfs: true });
      const byName = new Map(listed.map((s) => [s.symbol, s]));
      for (const s of universe) {
        const info = byName.get(s);
        assert.ok(info, `${s} listed`);
        if (UNAVAILABLE.includes(s)) {
          assert.equal(info.unavailable, true, `${s} unavailable`);
          assert.equal(info.priceRows, 0n, `${s} has no rows`);
        } else {
          assert.ok(info.priceRows > 0n, `${s} has price rows`);
          assert.equal(info.lastDate, "2020-01-23", `${s} last date`);
        }
      }

      // The CLI's price query returns the file's closes.
      const prices = cliJson<{ symbol: string; prices: { date: string; close: number }[] }>(
        await sys.cli(["prices", "SPY", "--from", "2020-01-21", "--to", "2020-01-23", "--json"]),
      );
      const expected = await fileCloses("SPY", "2020-01-21", "2020-01-23");
      assert.equal(expected.length, 3);
      assert.equal(prices.symbol, "SPY");
      assert.deepEqual(prices.prices, expected);

      // The durable stream holds the run's events in contract order.
      const kinds = streamEvents.map((e) => e.event.payload.case);
      assert.equal(kinds[0], "runStarted");
      assert.equal(kinds.at(-1), "runFinished");
      // Every phase starts once, reports progress only while started, then finishes successfully;
      // market data comes first (later phases may overlap each other within a chunk).
      const open = new Set<Phase>();
      const phasesSeen: Phase[] = [];
      for (const { event } of streamEvents) {
        const p = event.payload;
        if (p.case === "phaseStarted") {
          assert.ok(!phasesSeen.includes(p.value.phase), `phase ${p.value.phase} started twice: ${kinds.join(",")}`);
          open.add(p.value.phase);
          phasesSeen.push(p.value.phase);
        } else if (p.case === "phaseProgress") {
          assert.ok(open.has(p.value.phase), `progress of phase ${p.value.phase} while not running: ${kinds.join(",")}`);
        } else if (p.case === "phaseFinished") {
          assert.ok(open.delete(p.value.phase), `finish of phase ${p.value.phase} while not running: ${kinds.join(",")}`);
          assert.equal(p.value.success, true, `phase ${p.value.phase} failed: ${p.value.summary}`);
        }
      }
      assert.equal(open.size, 0, `phases never finished: ${[...open].join(",")}`);
      assert.equal(phasesSeen[0], Phase.MARKET_DATA);
      const mdFinished = kinds.indexOf("phaseFinished");
      const secondStart = kinds.indexOf("phaseStarted", kinds.indexOf("phaseStarted") + 1);
      assert.ok(secondStart < 0 || secondStart > mdFinished, `a phase started before market data finished: ${kinds.join(",")}`);
      const byNumber = (a: number, b: number) => a - b;
      assert.deepEqual([...phasesSeen].sort(byNumber), run.phases.map((p) => p.phase).sort(byNumber));
      const rf = streamEvents.at(-1)!.event.payload;
      assert.ok(rf.case === "runFinished" && rf.value.status === "completed_with_warnings");
      for (let i = 1; i < streamEvents.length; i++) {
        assert.ok(streamEvents[i]!.seq > streamEvents[i - 1]!.seq);
        assert.equal(streamEvents[i]!.event.runSeq, streamEvents[i - 1]!.event.runSeq + 1n, "run_seq has no gaps");
      }

      // WatchStatus: the current status first, then every later event in order, ending with RunFinished.
      assert.equal(watched[0]!.event, undefined, "first message is the current status");
      assertCoversStream(watched, streamEvents);
      const last = watched.at(-1)!;
      assert.equal(eventKind(last.event), "runFinished", describeWatch(watched));
      assert.equal(last.seq, BigInt(streamEvents.at(-1)!.seq));
      const view = last.status!;
      assert.equal(view.state, RunState.COMPLETED_WITH_WARNINGS);
      assert.equal(view.runId, runId);
      assert.ok(
        view.recentActivity.some((a) => a.message.startsWith("GGIPX: symbol unavailable")),
        "GGIPX warning in recent activity",
      );
      // The status view lists phases by their spec number (2.5 before 3); the run record in execution
      // order (Position Values runs after phase 6): the same phases either way.
      assert.deepEqual(view.phases.map((p) => p.phase).sort(byNumber), run.phases.map((p) => p.phase).sort(byNumber));
      // GetStatus agrees with the last streamed view.
      const { status: now } = await sys.clients.status.getStatus({ target: { target: { case: "runId", value: runId } } });
      assert.deepEqual(toJson(StatusViewSchema, now!), statusJson(last));
    }));

  test("`sigma run --json` follows a second forced run and prints the final run record", () =>
    withLogs(async () => {
      const r = await sys.cli(["run", "--force", "--from", "2020-01-02", "--to", "2020-01-23", "--json"]);
      const run = cliJson<{
        id: string;
        status: string;
        phases: {
          phase: string;
          state: string;
          counters: { inputs: string; outputs: string; skipped: { reason: string; count: string }[] };
        }[];
        problems: { symbol: string }[];
      }>(r);
      assert.equal(run.status, "completed_with_warnings");
      const p = run.phases[0]!;
      assert.equal(p.phase, "market_data");
      assert.ok(
        run.phases.every((x) => x.state === "completed"),
        JSON.stringify(run.phases),
      );
      const universe = new Set([...(await readPortfolioSymbols(PORTFOLIO)), ...FACTOR_ETFS]);
      assert.equal(Number(p.counters.inputs), universe.size);
      assert.equal(Number(p.counters.outputs), universe.size - 2);
      assert.deepEqual(p.counters.skipped, [{ reason: "symbol_unavailable", count: "2" }]);
      assert.deepEqual(run.problems.map((x) => x.symbol).sort(), UNAVAILABLE);
      // Human progress lines go to stderr in --json mode, keeping stdout pure JSON.
      assert.match(r.stderr, /GGIPX: symbol unavailable/);
      const { run: stored } = await sys.clients.coordinator.getRun({ runId: run.id });
      assert.equal(stored?.status, RunStatus.COMPLETED_WITH_WARNINGS);
    }));

  test("status restart mid-stream: resume_after loses and repeats nothing; status is rebuilt from the stream", (t) =>
    withLogs(async () => {
      // A finished run's status before the restart, to compare after the rebuild.
      const { runs } = await sys.clients.coordinator.listRuns({ limit: 1 });
      const finishedId = runs[0]!.id;
      const finishedTarget = { target: { case: "runId" as const, value: finishedId } };
      const before = (await sys.clients.status.getStatus({ target: finishedTarget })).status!;
      assert.equal(before.state, RunState.COMPLETED_WITH_WARNINGS);

      const coordinator = sys.process("coordinator");
      const { runId } = await sys.clients.coordinator.runBatch({
        source: RunSource.ADMIN,
        forceRerun: true,
        startDate: "2019-06-03",
        endDate: "2020-01-23",
      });
      // Take a few updates, then freeze the coordinator between two events (SIGSTOP, from the
      // message callback itself so the run cannot get far), so the run is provably unfinished
      // while the status service restarts.
      let first: WatchStatusResponse[];
      let second: WatchStatusResponse[];
      try {
        first = await collectWatch(sys.clients.status, {
          runId,
          until: (m, all) => {
            const enough = all.length >= 3 || isTerminal(m);
            if (enough) coordinator.pause();
            return enough;
          },
        });
        assert.ok(!isTerminal(first.at(-1)!), `the run ended before it could be paused: ${describeWatch(first)}`);
        const lastSeq = first.at(-1)!.seq;
        await sys.restart("status");
        // Reconnect where we left off. Nothing may be due yet (the run is frozen), so the resumed
        // watch may stay silent: a second watcher on the same connection, opened after it,
        // answers once the status service serves watches again; then the run is let go.
        const resumed = collectWatch(sys.clients.status, { runId, resumeAfter: lastSeq, until: isTerminal });
        const probe = await collectWatch(sys.clients.status, { runId, until: () => true }).finally(() => coordinator.resume());
        assert.ok(probe[0]!.seq >= lastSeq, `status rebuilt at least up to seq ${lastSeq}: ${describeWatch(probe)}`);
        second = await resumed;
        assert.ok(
          second.every((m) => m.seq > lastSeq),
          `resumed stream repeated seqs: ${describeWatch(second)}`,
        );
      } finally {
        coordinator.resume();
      }
      const streamEvents = await readRunEvents({ natsUrl: sys.natsUrl, stream: sys.stream, runId });
      const combined = [...first, ...second];
      t.diagnostic(`before restart: ${describeWatch(first)}; after: ${describeWatch(second)}`);
      assertCoversStream(combined, streamEvents);
      const final = combined.at(-1)!;
      assert.ok(isTerminal(final), describeWatch(combined));
      assert.equal(final.seq, BigInt(streamEvents.at(-1)!.seq), "the watcher reached the run's last event");

      // After the rebuild, status equals what it was (finished run) and what the stream says (resumed run).
      const afterFinished = (await sys.clients.status.getStatus({ target: finishedTarget })).status!;
      assert.deepEqual(toJson(StatusViewSchema, afterFinished), toJson(StatusViewSchema, before));
      const { status: resumedNow } = await sys.clients.status.getStatus({ target: { target: { case: "runId", value: runId } } });
      assert.deepEqual(toJson(StatusViewSchema, resumedNow!), statusJson(final));
      const activity = await sys.clients.status.getActivityLog({ target: { target: { case: "runId", value: runId } } });
      const activitySeqs = activity.entries.map((e) => Number(e.seq));
      const streamActivitySeqs = streamEvents.filter((e) => e.event.payload.case === "activity").map((e) => e.seq);
      for (const s of streamActivitySeqs) assert.ok(activitySeqs.includes(s), `activity seq ${s} in the rebuilt log`);
      await waitForRunEnd(runId);
    }));

  test("RunBatch validation: a date range needs force_rerun", () =>
    withLogs(async () => {
      await assert.rejects(
        sys.clients.coordinator.runBatch({ source: RunSource.MANUAL, startDate: "2020-01-02" }),
        (err: unknown) => err instanceof ConnectError && err.code === Code.InvalidArgument && /force_rerun/.test(err.rawMessage),
      );
    }));

  test("a second RunBatch while one runs is ALREADY_EXISTS naming the running run; CancelRun cancels it", () =>
    withLogs(async () => {
      // Start from an idle coordinator whatever earlier tests left behind.
      for (const r of (await sys.clients.coordinator.listRuns({ limit: 50, status: RunStatus.RUNNING })).runs) await waitForRunEnd(r.id);
      const { runId } = await sys.clients.coordinator.runBatch({
        source: RunSource.ADMIN,
        forceRerun: true,
        startDate: "2017-06-01",
        endDate: "2020-01-23",
      });
      // Both requests go out at once, while the long run is still in its first sync batches.
      const [second, cancelled] = await Promise.allSettled([
        sys.clients.coordinator.runBatch({ source: RunSource.MANUAL, forceRerun: true, startDate: "2020-01-23", endDate: "2020-01-23" }),
        sys.clients.coordinator.cancelRun({ runId }),
      ]);
      assert.equal(second.status, "rejected");
      const err = ConnectError.from((second as PromiseRejectedResult).reason);
      assert.equal(err.code, Code.AlreadyExists, err.message);
      assert.ok(err.rawMessage.includes(runId), `message names the running run: ${err.rawMessage}`);

      assert.equal(cancelled.status, "fulfilled", cancelled.status === "rejected" ? String(cancelled.reason) : "");
      const run = (cancelled as PromiseFulfilledResult<{ run?: { status: RunStatus } }>).value.run;
      assert.equal(run?.status, RunStatus.CANCELLED);
      const { run: stored } = await sys.clients.coordinator.getRun({ runId });
      assert.equal(stored?.status, RunStatus.CANCELLED);
      const events = await readRunEvents({ natsUrl: sys.natsUrl, stream: sys.stream, runId });
      const fin = events.at(-1)!.event.payload;
      assert.ok(fin.case === "runFinished" && fin.value.status === "cancelled");
      const watched = await collectWatch(sys.clients.status, { runId, until: isTerminal });
      assert.equal(watched.at(-1)!.status?.state, RunState.CANCELLED);
      // The lease is released: a new run may start.
      const next = await sys.clients.coordinator.runBatch({
        source: RunSource.MANUAL,
        forceRerun: true,
        startDate: "2020-01-23",
        endDate: "2020-01-23",
      });
      assert.ok(next.runId);
      await waitForRunEnd(next.runId);
    }));
});
