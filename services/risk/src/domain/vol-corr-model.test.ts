/** The pure shapes of phases 5/6: cluster labels, aggregation by symbol, vol rows. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { correlationClusters, volatilitySeries } from "@sigma/quant";
import {
  aggregatePublicBySymbol,
  clusterLabels,
  clustersFromLabels,
  emptyVolRow,
  publicSymbols,
  volRowAt,
  volRowComputable,
} from "./vol-corr-model.js";

describe("cluster labels", () => {
  it("give back the math's clusters exactly (ordered by smallest member, ascending members)", () => {
    // 6 symbols: {0, 3, 5} and {1, 4} linked at |rho| >= 0.7, 2 alone.
    const m = 6;
    const rho = new Float64Array(m * m);
    for (let i = 0; i < m; i++) rho[i * m + i] = 1;
    const link = (i: number, j: number, v: number) => {
      rho[i * m + j] = v;
      rho[j * m + i] = v;
    };
    link(0, 5, 0.7);
    link(5, 3, -0.9);
    link(1, 4, 0.8);
    link(2, 3, 0.69);
    const clusters = correlationClusters(rho, m);
    assert.deepEqual(clusters, [
      [0, 3, 5],
      [1, 4],
    ]);
    const labels = clusterLabels(clusters, m);
    assert.deepEqual(Array.from(labels), [0, 1, -1, 0, 1, 0]);
    assert.deepEqual(clustersFromLabels(labels), clusters);
  });

  it("no cluster: all labels -1, none back", () => {
    assert.deepEqual(Array.from(clusterLabels([], 3)), [-1, -1, -1]);
    assert.deepEqual(clustersFromLabels([-1, -1, -1]), []);
    assert.deepEqual(clustersFromLabels([]), []);
  });
});

describe("aggregatePublicBySymbol", () => {
  it("sums signed market values of PUBLIC positions per symbol in first-appearance order; weight = Σ MV / nav", () => {
    const agg = aggregatePublicBySymbol({
      portfolioId: "p",
      date: "2020-01-23",
      nav: 200_000,
      positions: [
        { symbol: "AAPL", marketValue: 30_000, isPublic: true },
        { symbol: "AAPL 200117C00300000", marketValue: 5_000, isPublic: false },
        { symbol: "MSFT", marketValue: -20_000, isPublic: true },
        { symbol: "AAPL", marketValue: -10_000, isPublic: true },
        { symbol: "PRIV", marketValue: 90_000, isPublic: false },
      ],
    });
    assert.deepEqual(agg, [
      { symbol: "AAPL", weight: 0.1, absMarketValue: 20_000 },
      { symbol: "MSFT", weight: -0.1, absMarketValue: 20_000 },
    ]);
  });

  it("publicSymbols lists distinct PUBLIC symbols; none for a missing day", () => {
    const marks = {
      portfolioId: "p",
      date: "d",
      nav: 1,
      positions: [
        { symbol: "B", marketValue: 1, isPublic: true },
        { symbol: "A", marketValue: 1, isPublic: true },
        { symbol: "B", marketValue: 1, isPublic: true },
        { symbol: "X", marketValue: 1, isPublic: false },
      ],
    };
    assert.deepEqual(publicSymbols(marks), ["B", "A"]);
    assert.deepEqual(publicSymbols(undefined), []);
  });
});

describe("vol rows", () => {
  it("an out-of-range index or a too-short series gives a row with nothing computable", () => {
    const s = volatilitySeries(Float64Array.from({ length: 10 }, (_, i) => (i % 2 ? 0.01 : -0.01)));
    assert.equal(volRowComputable(volRowAt(s, 9)), false);
    assert.deepEqual(volRowAt(s, 10), emptyVolRow());
    assert.deepEqual(volRowAt(s, -1), emptyVolRow());
  });

  it("RV21 alone makes a row computable", () => {
    const s = volatilitySeries(Float64Array.from({ length: 22 }, (_, i) => (i === 0 ? NaN : i % 2 ? 0.01 : -0.02)));
    const r = volRowAt(s, 21);
    assert.ok(Number.isFinite(r.rv21));
    assert.ok(Number.isNaN(r.rv63));
    assert.equal(volRowComputable(r), true);
  });
});
