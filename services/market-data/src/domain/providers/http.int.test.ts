/**
 * HttpPriceProvider against a local node:http server standing in for Polygon (127.0.0.1, port 0).
 * Waits are recorded through an injected sleep that returns at once, so nothing depends on timing.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { fakeTime, type FakeTime } from "./fake-time.test-util.js";
import { HttpPriceProvider, type HttpProviderOptions } from "./http.js";
import { ProviderConfigError, ProviderError } from "./types.js";

type Reply = { status: number; body?: unknown; headers?: Record<string, string>; hang?: boolean };

/** The fake API: replies are taken from `script` in order; when it runs dry, `fallback` answers. */
let script: Reply[] = [];
let fallback: (url: URL) => Reply = () => ({ status: 500 });
let seen: URL[] = [];
let server: http.Server;
let baseUrl: string;

const day = (date: string) => Date.parse(`${date}T05:00:00Z`); // New York midnight in winter
const agg = (date: string, c: number) => ({ t: day(date), o: c - 1, h: c + 1, l: c - 2, c, v: 1000, vw: c, n: 10 });

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push(url);
    const reply = script.shift() ?? fallback(url);
    if (reply.hang) return; // never answer: the client's timeout must fire
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
    res.end(reply.body === undefined ? "" : typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

beforeEach(() => {
  script = [];
  seen = [];
  fallback = () => ({ status: 500, body: "fallback" });
});

function provider(t: FakeTime, extra: Partial<HttpProviderOptions> = {}): HttpPriceProvider {
  return new HttpPriceProvider({
    baseUrl,
    apiKey: "test-key",
    requestsPerMinute: 6_000_000,
    burst: 1000,
    maxAttempts: 3,
    retryBackoff: { baseMs: 10, capMs: 40 },
    rateLimitBackoff: { baseMs: 100, capMs: 400 },
    maxRateLimitWaitMs: 10_000,
    timeoutMs: 2_000,
    sleep: t.sleep,
    clock: t.clock,
    random: () => 0.5,
    ...extra,
  });
}

const ok = (results: unknown[]) => ({ status: 200, body: { ticker: "SPY", status: "OK", resultsCount: results.length, results } });

describe("HttpPriceProvider", () => {
  it("fetches, converts epoch ms to New York dates and calls the documented URL", async () => {
    script = [ok([agg("2020-01-22", 331.34), agg("2020-01-23", 331.72)])];
    const r = await provider(fakeTime()).fetchDaily("SPY", "2020-01-22", "2020-01-23");
    assert.deepEqual(r, {
      status: "ok",
      requests: 1,
      bars: [
        { date: "2020-01-22", open: 330.34, high: 332.34, low: 329.34, close: 331.34, volume: 1000 },
        { date: "2020-01-23", open: 330.72, high: 332.72, low: 329.72, close: 331.72, volume: 1000 },
      ],
    });
    const url = seen[0]!;
    assert.equal(url.pathname, "/v2/aggs/ticker/SPY/range/1/day/2020-01-22/2020-01-23");
    assert.equal(url.searchParams.get("adjusted"), "true");
    assert.equal(url.searchParams.get("sort"), "asc");
    assert.equal(url.searchParams.get("limit"), "50000");
    assert.equal(url.searchParams.get("apiKey"), "test-key");
  });

  it("normalizes the symbol in the URL (brk.b -> BRK-B)", async () => {
    script = [ok([agg("2020-01-23", 200)])];
    await provider(fakeTime()).fetchDaily("brk.b", "2020-01-23", "2020-01-23");
    assert.equal(seen[0]!.pathname, "/v2/aggs/ticker/BRK-B/range/1/day/2020-01-23/2020-01-23");
  });

  it("reports an unknown symbol as unavailable (empty results, resultsCount 0, or 404)", async () => {
    const p = provider(fakeTime());
    script = [{ status: 200, body: { ticker: "GGIPX", status: "OK", queryCount: 0, resultsCount: 0 } }];
    assert.equal((await p.fetchDaily("GGIPX", "2020-01-02", "2020-01-23")).status, "unavailable");
    script = [ok([])];
    assert.equal((await p.fetchDaily("GGIPX", "2020-01-02", "2020-01-23")).status, "unavailable");
    script = [{ status: 404, body: { status: "NOT_FOUND" } }];
    const r = await p.fetchDaily("NOPE", "2020-01-02", "2020-01-23");
    assert.equal(r.status, "unavailable");
    assert.equal(r.requests, 1);
  });

  it("waits out 429 twice, then succeeds with 3 requests and no failure", async () => {
    const t = fakeTime();
    script = [{ status: 429 }, { status: 429 }, ok([agg("2020-01-23", 331.72)])];
    const r = await provider(t).fetchDaily("SPY", "2020-01-23", "2020-01-23");
    assert.equal(r.status, "ok");
    assert.equal(r.requests, 3);
    assert.equal(seen.length, 3);
    // No Retry-After: exponential backoff with the injected jitter 0.5 -> factor 0.75.
    assert.deepEqual(t.sleeps, [75, 150]);
  });

  it("honours Retry-After seconds", async () => {
    const t = fakeTime();
    script = [
      { status: 429, headers: { "retry-after": "2" } },
      { status: 429, headers: { "retry-after": "0" } },
      ok([agg("2020-01-23", 1)]),
    ];
    const r = await provider(t).fetchDaily("SPY", "2020-01-23", "2020-01-23");
    assert.equal(r.status, "ok");
    assert.deepEqual(t.sleeps, [2000, 0]);
  });

  it("429s do not use up the failure attempts", async () => {
    const t = fakeTime();
    // maxAttempts is 3: five 429s and two 500s still end in success.
    script = [429, 500, 429, 429, 500, 429, 429].map((status) => ({ status }));
    script.push(ok([agg("2020-01-23", 1)]));
    const r = await provider(t).fetchDaily("SPY", "2020-01-23", "2020-01-23");
    assert.equal(r.status, "ok");
    assert.equal(r.requests, 8);
  });

  it("gives up with a retryable ProviderError when rate limiting outlasts the allowed wait", async () => {
    const t = fakeTime();
    fallback = () => ({ status: 429, headers: { "retry-after": "3" } });
    await assert.rejects(
      provider(t, { maxRateLimitWaitMs: 10_000 }).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderError && e.retryable && /rate limited/.test(e.message),
    );
    assert.deepEqual(t.sleeps, [3000, 3000, 3000]); // a 4th wait would pass 10 s
    assert.equal(seen.length, 4);
  });

  it("retries a persistent 500 maxAttempts times, then throws ProviderError", async () => {
    const t = fakeTime();
    fallback = () => ({ status: 503, body: "upstream down" });
    await assert.rejects(
      provider(t).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderError && e.retryable && e.attempts === 3 && /HTTP 503: upstream down/.test(e.message),
    );
    assert.equal(seen.length, 3);
    assert.deepEqual(t.sleeps, [8, 15]); // 10 and 20 ms backoff, times jitter 0.75, rounded
  });

  it("recovers when a 500 is followed by success", async () => {
    script = [{ status: 500 }, ok([agg("2020-01-23", 1)])];
    const r = await provider(fakeTime()).fetchDaily("SPY", "2020-01-23", "2020-01-23");
    assert.equal(r.status, "ok");
    assert.equal(r.requests, 2);
  });

  it("turns a timeout into a ProviderError after the attempts", async () => {
    fallback = () => ({ status: 200, hang: true });
    await assert.rejects(
      provider(fakeTime(), { timeoutMs: 50, maxAttempts: 2 }).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderError && /timed out/.test(e.message),
    );
    assert.equal(seen.length, 2);
  });

  it("turns connection errors into a ProviderError", async () => {
    // Bind and release a port so nothing listens on it.
    const tmp = http.createServer();
    await new Promise<void>((r) => tmp.listen(0, "127.0.0.1", r));
    const port = (tmp.address() as AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
    await assert.rejects(
      provider(fakeTime(), { baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 }).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderError && e.attempts === 2 && /network error/.test(e.message),
    );
  });

  it("maps 401/403 to ProviderConfigError without leaking the key", async () => {
    script = [{ status: 401, body: { status: "ERROR", error: "Unknown API Key test-key" } }];
    await assert.rejects(
      provider(fakeTime()).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderConfigError && !/test-key/.test(e.message) && /SIGMA_POLYGON_API_KEY/.test(e.message),
    );
    assert.equal(seen.length, 1);
  });

  it("rejects malformed bars without retrying", async () => {
    script = [ok([{ t: day("2020-01-23"), o: 1, h: 1, l: 1, c: "x", v: 1 }])];
    await assert.rejects(
      provider(fakeTime()).fetchDaily("SPY", "2020-01-23", "2020-01-23"),
      (e: unknown) => e instanceof ProviderError && !e.retryable && /malformed bar/.test(e.message),
    );
    assert.equal(seen.length, 1);
  });

  it("follows next_url pages, keeps bars in the requested range and sorts them", async () => {
    const second = `${baseUrl}/v2/aggs/ticker/SPY/range/1/day/2020-01-22/2020-01-24?cursor=abc`;
    script = [
      { status: 200, body: { status: "OK", resultsCount: 2, results: [agg("2020-01-23", 2), agg("2020-01-21", 0)], next_url: second } },
      ok([agg("2020-01-22", 1)]),
    ];
    const r = await provider(fakeTime()).fetchDaily("SPY", "2020-01-22", "2020-01-24");
    assert.ok(r.status === "ok");
    assert.deepEqual(
      r.bars.map((b) => b.date),
      ["2020-01-22", "2020-01-23"],
    );
    assert.equal(seen[1]!.searchParams.get("cursor"), "abc");
    assert.equal(seen[1]!.searchParams.get("apiKey"), "test-key");
  });

  it("spaces requests through the rate limiter", async () => {
    const t = fakeTime();
    fallback = () => ok([agg("2020-01-23", 1)]);
    // 600 per minute, burst 1: every request after the first waits 100 ms of (fake) time.
    const p = provider(t, { requestsPerMinute: 600, burst: 1 });
    for (let i = 0; i < 5; i++) assert.equal((await p.fetchDaily("SPY", "2020-01-23", "2020-01-23")).status, "ok");
    assert.equal(seen.length, 5);
    assert.equal(p.limiter.waited, 4);
    assert.equal(p.limiter.waitedMillis, 400);
  });

  it("propagates the caller's abort untouched", async () => {
    fallback = () => ({ status: 200, hang: true });
    const ac = new AbortController();
    const pending = provider(fakeTime(), { timeoutMs: 60_000 }).fetchDaily("SPY", "2020-01-23", "2020-01-23", ac.signal);
    setImmediate(() => ac.abort(new Error("run cancelled")));
    await assert.rejects(pending, /run cancelled/);
  });
});
