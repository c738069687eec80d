/**
 * Runs the page's bundled browser script (as served) against the real handler with a minimal
 * fake DOM: the script boots, streams /api/events over HTTP and renders the screens. It checks
 * the script's runtime wiring, not layout.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import vm from "node:vm";
import { ActivityLevel, Phase, PhaseState, RunStatus } from "@sigma/contracts";
import { RunEventBuilder } from "../domain/event-builder.js";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import { StatusWatchHub } from "../domain/watch.js";
import { StatusQueries } from "../usecases/status-queries.js";
import { buildClientBundle, type ClientBundle } from "./client-bundle.js";
import { createWebHandler } from "./http.js";

class FakeElement {
  children: FakeElement[] = [];
  textContent = "";
  hidden = false;
  disabled = false;
  className = "";
  readonly attributes = new Map<string, string>();
  readonly style: Record<string, string> = {};
  readonly dataset: Record<string, string> = {};
  readonly listeners = new Map<string, (e: unknown) => void>();
  scrollHeight = 0;
  scrollTop = 0;
  clientHeight = 0;
  constructor(readonly tagName: string) {}
  setAttribute(name: string, value: unknown): void {
    this.attributes.set(name, String(value));
  }
  addEventListener(type: string, fn: (e: unknown) => void): void {
    this.listeners.set(type, fn);
  }
  appendChild(child: FakeElement): FakeElement {
    this.children.push(child);
    return child;
  }
  replaceChildren(...children: FakeElement[]): void {
    this.children = children;
  }
  remove(): void {}
  /** Own text plus the children's, depth first. */
  get text(): string {
    return [this.textContent, ...this.children.map((c) => c.text)].filter((s) => s !== "").join(" ");
  }
}

const T0 = Date.UTC(2020, 0, 23, 23, 30, 0);
const hub = new StatusWatchHub(new StatusProjection(), { now: () => new Date(T0 + 30_000) });
const b = new RunEventBuilder("r1", ["p1"], T0);
const stopFetches = new AbortController();
let server: http.Server;
let base: string;
let client: ClientBundle;
let html: string;

before(async () => {
  [b.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS]), b.phaseStarted(Phase.MARKET_DATA, 4, "symbols")].forEach((e, i) =>
    hub.apply(i + 1, e),
  );
  const readiness = new ProjectionReadiness();
  readiness.markReady();
  client = await buildClientBundle();
  const handler = createWebHandler({
    auth: { mode: "dev" },
    queries: new StatusQueries(hub, readiness, { now: () => new Date(T0 + 30_000) }),
    client,
    retry: async () => ({ runId: "r2" }),
    onError: (e) => {
      throw e;
    },
  });
  server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  html = await (await fetch(`${base}/`)).text();
});

after(async () => {
  stopFetches.abort();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Boots the page script in a vm context whose fetch goes to the test server. */
function bootPage(search: string): Map<string, FakeElement> {
  const elements = new Map<string, FakeElement>();
  for (const [whole, tag, id] of html.matchAll(/<(\w+)[^>]*\sid="([^"]+)"[^>]*>/g)) {
    const element = new FakeElement(tag!);
    element.hidden = /\shidden[\s>]/.test(whole);
    elements.set(id!, element);
  }
  elements.get("sigma-config")!.textContent = /<script id="sigma-config"[^>]*>(.*?)<\/script>/.exec(html)![1]!;
  const storage = new Map<string, string>();
  const unref = <T extends { unref(): unknown }>(t: T): T => {
    t.unref();
    return t;
  };
  const context = vm.createContext({
    document: {
      readyState: "complete",
      body: new FakeElement("body"),
      getElementById: (id: string) => elements.get(id) ?? null,
      createElement: (tag: string) => new FakeElement(tag),
      createTextNode: (text: string) => Object.assign(new FakeElement("#text"), { textContent: text }),
    },
    location: { search, hash: "", pathname: "/" },
    history: { replaceState: () => undefined },
    sessionStorage: { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => storage.set(k, v) },
    // Once the test is over, requests hang instead of reconnecting in a loop.
    fetch: (path: string, init: RequestInit = {}) =>
      stopFetches.signal.aborted ? new Promise(() => undefined) : fetch(base + path, { ...init, signal: stopFetches.signal }),
    setTimeout: (f: () => void, ms: number) => unref(setTimeout(f, ms)),
    setInterval: (f: () => void, ms: number) => unref(setInterval(f, ms)),
    // What the chart library (uPlot) reads when its module loads.
    navigator: { userAgent: "node" },
    devicePixelRatio: 1,
    matchMedia: () => ({ addEventListener: () => undefined, removeEventListener: () => undefined }),
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => true,
    CustomEvent: class {},
    AbortController,
    TextDecoder,
    URLSearchParams,
    alert: (m: string) => assert.fail(`alert: ${m}`),
  });
  context.window = context;
  new vm.Script(client.code, { filename: "status-page.js" }).runInContext(context);
  return elements;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), "condition not reached");
}

test("the page streams a run live, then shows the completion screen", async () => {
  const page = bootPage("?portfolio=p1");
  const el = (id: string) => page.get(id)!;
  await waitFor(() => el("state").textContent === "Running");
  assert.equal(el("connection").textContent, "live");
  assert.equal(el("screen-running").hidden, false);
  assert.equal(el("screen-completed").hidden, true);
  assert.equal(el("download").attributes.get("href"), "/api/log?portfolio=p1");
  assert.equal(el("phases").children.length, 2);
  assert.match(el("phases").children[0]!.text, /Market Data Collection/);
  assert.equal(el("phases").children[0]!.className, "phase running");
  assert.equal(el("phases").children[1]!.className, "phase pending");
  assert.match(el("overall-text").textContent, /Step 1 of 2/);

  hub.apply(3, b.phaseProgress(Phase.MARKET_DATA, 2, 4, "symbols"));
  hub.apply(4, b.activity("HZNP: symbol unavailable (delisted)", ActivityLevel.WARNING, "HZNP"));
  await waitFor(() => el("log").text.includes("HZNP"));
  assert.match(el("phases").children[0]!.text, /2 \/ 4 symbols/);
  assert.equal(el("log").children.at(-1)!.className, "line warn");

  hub.apply(5, b.phaseFinished(Phase.MARKET_DATA, true, 3, "3/4 symbols (75% coverage)"));
  hub.apply(6, b.phaseStarted(Phase.SNAPSHOTS, 2, "dates"));
  hub.apply(7, b.phaseFinished(Phase.SNAPSHOTS, true, 1, "2 dates"));
  hub.apply(8, b.runFinished("completed_with_warnings", "1 symbol unavailable"));
  await waitFor(() => el("screen-completed").hidden === false);
  assert.equal(el("screen-running").hidden, true);
  assert.equal(el("state").textContent, "Completed with warnings");
  assert.equal(el("done-reason").textContent, "1 symbol unavailable");
  assert.match(el("done-phases").text, /3\/4 symbols \(75% coverage\)/);
  assert.equal(el("done-warnings-box").hidden, false);
  assert.match(el("done-warnings").text, /HZNP/);
  // The server ended the stream after the final event; the page does not reconnect.
  await waitFor(() => el("connection").textContent === "finished");
});

test("a failed run shows what completed and the Retry button", async () => {
  const r = new RunEventBuilder("r9", ["p9"], T0);
  [
    r.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS]),
    r.phaseStarted(Phase.MARKET_DATA, 1, "symbols"),
    r.phaseFinished(Phase.MARKET_DATA, true, 1, "1/1 symbols"),
    r.phaseStarted(Phase.SNAPSHOTS, 10, "dates"),
    r.runFinished("failed", "database unavailable"),
  ].forEach((e, i) => hub.apply(100 + i, e));
  const page = bootPage("?portfolio=p9");
  const el = (id: string) => page.get(id)!;
  await waitFor(() => el("screen-failed").hidden === false);
  assert.equal(el("failed-reason").textContent, "database unavailable");
  assert.match(el("failed-completed").text, /Market Data Collection/);
  assert.doesNotMatch(el("failed-completed").text, /Portfolio Snapshots/);
  assert.equal(el("retry").hidden, false);
  assert.ok(el("retry").listeners.has("click"));
});

test("a cancelled run shows the cancelled phase as cancelled, not failed", async () => {
  const r = new RunEventBuilder("r7", ["p7"], T0);
  [
    r.runStarted([Phase.MARKET_DATA, Phase.SNAPSHOTS]),
    r.phaseStarted(Phase.MARKET_DATA, 1, "symbols"),
    r.phaseFinished(Phase.MARKET_DATA, PhaseState.COMPLETED, 1, "1/1 symbols"),
    r.phaseStarted(Phase.SNAPSHOTS, 10, "dates"),
    r.runFinished(RunStatus.CANCELLED, "cancelled by ops"),
  ].forEach((e, i) => hub.apply(200 + i, e));
  const page = bootPage("?portfolio=p7");
  const el = (id: string) => page.get(id)!;
  await waitFor(() => el("screen-failed").hidden === false);
  assert.equal(el("failed-title").textContent, "The analysis was cancelled");
  assert.equal(el("state").textContent, "Cancelled");
  assert.equal(el("failed-phases").children[1]!.className, "phase cancelled");
  assert.match(el("failed-phases").children[1]!.text, /cancelled/);
});

test("a portfolio run's phases show their user-facing names (SPEC §5) in execution order", async () => {
  const r = new RunEventBuilder("r5", ["p5"], T0);
  const portfolioPhases = [
    Phase.CORRELATIONS,
    Phase.SNAPSHOTS,
    Phase.POSITION_VALUES,
    Phase.POSITION_BETAS,
    Phase.FACTOR_EXPOSURES,
    Phase.VOLATILITY,
  ];
  [r.runStarted(portfolioPhases, "onboarding", 0, "alice"), r.phaseStarted(Phase.POSITION_VALUES, 3, "dates")].forEach((e, i) =>
    hub.apply(300 + i, e),
  );
  const page = bootPage("?portfolio=p5");
  const el = (id: string) => page.get(id)!;
  await waitFor(() => el("phases").children.length === 6);
  const names = el("phases").children.map(
    (c) => /Portfolio Snapshots|Position Values|Position Betas|Factor Exposures|Volatility Analysis|Correlations/.exec(c.text)?.[0],
  );
  assert.deepEqual(names, [
    "Portfolio Snapshots",
    "Position Values",
    "Position Betas",
    "Factor Exposures",
    "Volatility Analysis",
    "Correlations",
  ]);
  assert.equal(el("phases").children[1]!.className, "phase running");
  assert.doesNotMatch(el("phases").text, /Phase \d/, "no fallback name");
});

test("without a target the page boots the web app (portfolios and recent runs) instead of the run screen", () => {
  const page = bootPage("");
  assert.equal(page.get("run-screen")!.hidden, true);
  assert.equal(page.get("app")!.hidden, false);
  assert.equal(page.get("download")!.hidden, true);
});
