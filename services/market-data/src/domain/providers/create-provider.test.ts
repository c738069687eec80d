import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createProvider, DEFAULT_POLYGON_URL } from "./create-provider.js";
import { CsvPriceProvider } from "./csv.js";
import { HttpPriceProvider } from "./http.js";
import { SyntheticPriceProvider } from "./synthetic.js";
import { ProviderConfigError } from "./types.js";

describe("createProvider", () => {
  it("builds the synthetic provider", () => {
    const p = createProvider(" Synthetic ", { env: {} });
    assert.ok(p instanceof SyntheticPriceProvider);
    assert.equal(p.kind, "synthetic");
  });

  it("builds a csv provider with the path resolved against cwd", () => {
    const p = createProvider("csv:../shared/data/prices/daily_prices.csv", { env: {}, cwd: "/srv/sigma" });
    assert.ok(p instanceof CsvPriceProvider);
    assert.equal(p.path, "/srv/shared/data/prices/daily_prices.csv");
    assert.equal(p.kind, "csv");
  });

  it("builds the http provider from env, without leaking the key", () => {
    const p = createProvider("http", { env: { SIGMA_POLYGON_API_KEY: "secret-key" } });
    assert.ok(p instanceof HttpPriceProvider);
    assert.match(p.describe(), new RegExp(DEFAULT_POLYGON_URL.replaceAll(".", "\\.")));
    assert.doesNotMatch(p.describe(), /secret-key/);
    const custom = createProvider("http", { env: { SIGMA_POLYGON_API_KEY: "k", SIGMA_POLYGON_URL: "http://127.0.0.1:9/" } });
    assert.match(custom.describe(), /http:\/\/127\.0\.0\.1:9/);
  });

  it("fails clearly on a missing API key", () => {
    assert.throws(
      () => createProvider("http", { env: {} }),
      (e: unknown) => e instanceof ProviderConfigError && /SIGMA_POLYGON_API_KEY/.test(e.message),
    );
    assert.throws(() => createProvider("http", { env: { SIGMA_POLYGON_API_KEY: "  " } }), ProviderConfigError);
  });

  it("rejects unknown specs, empty csv paths, bad URLs and bad rates", () => {
    for (const spec of ["", "polygon", "csv:", "csv", "synthetic:x", "http:x"]) {
      assert.throws(() => createProvider(spec, { env: { SIGMA_POLYGON_API_KEY: "k" } }), ProviderConfigError, spec);
    }
    assert.throws(() => createProvider("http", { env: { SIGMA_POLYGON_API_KEY: "k", SIGMA_POLYGON_URL: "ftp://x" } }), ProviderConfigError);
    assert.throws(() => createProvider("http", { env: { SIGMA_POLYGON_API_KEY: "k", SIGMA_POLYGON_RPM: "0" } }), ProviderConfigError);
  });
});
