// The portfolio page in a real browser (Debian chromium) with a full risk report from fake peers:
// the risk sections the risk service will fill once merged draw their charts and tables (the
// whole-system browser test sees "not computed yet" until then).
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { createClock } from "@sigma/calendar";
import {
  CorrelationExclusion,
  Factor,
  GetPortfolioResponseSchema,
  GetPositionValuesResponseSchema,
  GetRiskReportResponseSchema,
  GetSnapshotsResponseSchema,
  GetStoredStressResponseSchema,
  ListPortfoliosResponseSchema,
  ListScenariosResponseSchema,
  PriceStatus,
  VolTrend,
} from "@sigma/contracts";
import { launchBrowser, type TestBrowser } from "@sigma/testing/browser";
import { StatusProjection } from "../domain/projection.js";
import { ProjectionReadiness } from "../domain/readiness.js";
import { StatusWatchHub } from "../domain/watch.js";
import { StatusQueries } from "../usecases/status-queries.js";
import { appApiRoutes, type WebPeers } from "./app-api.js";
import { buildClientBundle, chartStylesheet } from "./client-bundle.js";
import { createWebHandler } from "./http.js";

const FACTORS = [
  Factor.MARKET,
  Factor.IR,
  Factor.VALUE,
  Factor.GROWTH,
  Factor.MOMENTUM,
  Factor.QUALITY,
  Factor.SIZE,
  Factor.LOW_VOLATILITY,
  Factor.GROWTH_VALUE_SPREAD,
  Factor.MOMENTUM_SPREAD,
  Factor.SIZE_SPREAD,
  Factor.QUALITY_SPREAD,
];
const dates = ["2020-01-21", "2020-01-22", "2020-01-23"];
const report = create(GetRiskReportResponseSchema, {
  date: "2020-01-23",
  nav: 1_000_000,
  exposures: FACTORS.map((factor, i) => ({
    factor,
    beta: i === 5 ? 0 : 0.1 * (i - 4),
    dollarExposure: 100_000 * (i - 4),
    positionsCovered: i === 5 ? 0 : 3,
    positionsEligible: 3,
    coverageByCount: i === 5 ? 0 : 1,
    coverageByValue: i === 5 ? 0 : 1,
    noCoverage: i === 5,
  })),
  portfolioVolatility: {
    realizedVol21d: 0.12,
    realizedVol63d: 0.15,
    harH1: 0.11,
    harH21: 0.13,
    trend: VolTrend.INCREASING,
    trendSlope: 0.0004,
    percentile: 0.7,
  },
  positionVolatility: [{ symbol: "AAPL", stats: { realizedVol21d: 0.2 } }],
  correlations: {
    included: ["AAPL", "MSFT", "XOM"],
    excluded: [{ symbol: "TINY", reason: CorrelationExclusion.BELOW_MIN_WEIGHT, nReturns: 90 }],
    matrix: [1, 0.8, -0.2, 0.8, 1, -0.1, -0.2, -0.1, 1],
    avgAbsCorr: 0.37,
    diversificationRatio: 1.4,
    clusters: [{ symbols: ["AAPL", "MSFT"] }],
  },
  availableDates: dates,
});
const stress = create(GetStoredStressResponseSchema, {
  date: "2020-01-23",
  nav: 1_000_000,
  results: [
    { scenarioId: "market_crash", directImpact: -1_200_000, directPctOfNav: -1.2, lossExceedsNav: true, correlatedAvailable: false },
    {
      scenarioId: "rates_up",
      directImpact: -50_000,
      directPctOfNav: -0.05,
      correlatedImpact: -70_000,
      correlatedPctOfNav: -0.07,
      correlatedAvailable: true,
    },
  ],
});
const unused = async (): Promise<never> => {
  throw new Error("not used");
};
const peers: WebPeers = {
  coordinator: { onboardPortfolio: unused, runBatch: unused, listRuns: unused, cancelRun: unused },
  snapshot: {
    getPortfolio: async () =>
      create(GetPortfolioResponseSchema, {
        portfolio: { id: "p1", name: "Alpha", owner: "dev", firstEntryDate: "2020-01-21", watermarkDate: "2020-01-23" },
      }),
    listPortfolios: async () => create(ListPortfoliosResponseSchema),
    getSnapshots: async () =>
      create(GetSnapshotsResponseSchema, {
        snapshots: dates.map((date, i) => ({ date, nav: 1_000_000 + i * 1000, cumulativePnl: i * 1000 })),
      }),
    getPositionValues: async () =>
      create(GetPositionValuesResponseSchema, {
        date: "2020-01-23",
        values: [{ symbol: "AAPL", marketValue: 500_000, weight: 0.5, lastPrice: 300, quantity: 1666, priceStatus: PriceStatus.LIVE }],
      }),
  },
  risk: {
    getRiskReport: async () => report,
    getStoredStress: async () => stress,
    listScenarios: async () =>
      create(ListScenariosResponseSchema, { scenarios: [{ id: "market_crash", name: "Market crash", active: true }] }),
  },
};

let server: http.Server;
let base: string;
let browser: TestBrowser;

before(async () => {
  const readiness = new ProjectionReadiness();
  readiness.markReady();
  const queries = new StatusQueries(new StatusWatchHub(new StatusProjection()), readiness);
  const auth = { mode: "dev" } as const;
  const handler = createWebHandler({
    auth,
    queries,
    client: await buildClientBundle(),
    extraCss: chartStylesheet(),
    onError: (e) => {
      throw e;
    },
    appRoutes: appApiRoutes({ auth, peers, queries, clock: createClock({ asOf: "2020-01-23" }), peerTimeoutMs: 5000 }),
  });
  server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

test("with a risk report, the page draws the beta bars and the heat map and fills the risk tables", async () => {
  const tp = await browser.newPage();
  await tp.page.goto(`${base}/portfolios/p1`);
  await tp.page.locator("#exposures-table").waitFor();
  await tp.page.locator("#nav-chart canvas").first().waitFor();
  await tp.page.locator("#beta-chart canvas").first().waitFor();
  await tp.page.locator("#heatmap canvas").waitFor();
  const betas = await tp.page
    .locator("#exposures-table [data-field=beta]")
    .evaluateAll((cs) => cs.map((c) => c.getAttribute("data-value")));
  assert.deepEqual(
    betas,
    report.exposures.map((e) => (e.noCoverage ? "" : String(e.beta))),
  );
  assert.equal(await tp.page.locator("#exposures-table").getByText("no coverage").count(), 1);
  assert.match((await tp.page.locator("#volatility-table tbody tr").first().textContent()) ?? "", /12\.0%.*15\.0%.*increasing/);
  assert.equal(await tp.page.locator("#clusters li").textContent(), "Cluster 1: AAPL, MSFT");
  assert.match((await tp.page.locator("#correlations").textContent()) ?? "", /below 1% of NAV/);
  const rows = await tp.page.locator("#stress-table tbody tr").allTextContents();
  assert.equal(rows.length, 2);
  assert.match(rows[0]!, /Market crash.*-120\.00%.*n\/a.*direct/);
  assert.match(rows[1]!, /rates_up.*-5\.00%.*-7\.00%/);
  assert.deepEqual(await tp.page.locator("#date-picker option").allTextContents(), ["Latest", "2020-01-23", "2020-01-22", "2020-01-21"]);
  await tp.screenshot("portfolio-with-risk-fake-peers");
  assert.deepEqual(tp.errors, []);
  await tp.context.close();
});
