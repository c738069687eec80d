import assert from "node:assert/strict";
import { test } from "node:test";
import { FACTOR_ETFS } from "@sigma/quant";
import { loadVectors } from "@sigma/quant/testing";
import { filePriceSource } from "../testing/fakes.js";
import { ewmaCovarianceSource } from "./factor-covariance.js";

const V = loadVectors<{ tolerance: { ratio_abs: number; ratio_rel: number }; ewma: { date: string; cov: number[][] } }>("risk.json");

test("the unclipped factor EWMA covariance at a date equals the Python reference (253 closes through the price source)", async () => {
  const src = ewmaCovarianceSource(filePriceSource());
  const cov = await src.at(V.ewma.date);
  assert.ok(cov);
  const d = FACTOR_ETFS.length;
  for (let a = 0; a < d; a++)
    for (let b = 0; b < d; b++) {
      const want = V.ewma.cov[a]![b]!;
      assert.ok(Math.abs(cov[a * d + b]! - want) <= V.tolerance.ratio_abs + V.tolerance.ratio_rel * Math.abs(want), `${a},${b}`);
    }
});

test("no covariance on a non-trading day or without 252 returns ending at the date", async () => {
  const src = ewmaCovarianceSource(filePriceSource());
  assert.equal(await src.at("2020-01-25"), null);
  assert.equal(await src.at("2017-06-01"), null);
});
