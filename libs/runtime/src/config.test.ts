import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, defineConfig, describeConfig, loadConfig } from "./config.js";

const spec = defineConfig({
  port: { env: "PORT", kind: "port", default: 8080, description: "h2c port" },
  databaseUrl: { env: "DATABASE_URL", kind: "url", required: true, description: "Postgres URL" },
  workers: { env: "WORKERS", kind: "int", default: 4, min: 1, max: 64 },
  verbose: { env: "VERBOSE", kind: "bool", default: false },
  prices: { env: "SIGMA_PRICES_KIND", kind: "enum", values: ["synthetic", "csv", "http"], default: "synthetic" },
  asOf: { env: "SIGMA_AS_OF", kind: "date" },
  secret: { env: "SIGMA_JWT_SECRET", kind: "string", required: true },
});

describe("loadConfig", () => {
  it("parses every kind and applies defaults", () => {
    const cfg = loadConfig(spec, {
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres",
      WORKERS: "8",
      VERBOSE: "YES",
      SIGMA_AS_OF: "2020-01-23",
      SIGMA_JWT_SECRET: "s",
    });
    assert.deepEqual(cfg, {
      port: 8080,
      databaseUrl: "postgres://postgres@127.0.0.1:5432/postgres",
      workers: 8,
      verbose: true,
      prices: "synthetic",
      asOf: "2020-01-23",
      secret: "s",
    });
    // Type-level check: required/defaulted fields are not optional.
    const p: number = cfg.port;
    const d: string = cfg.databaseUrl;
    const a: string | undefined = cfg.asOf;
    assert.ok(p && d && a);
  });

  it("treats empty values as unset and leaves optional fields undefined", () => {
    const cfg = loadConfig(spec, { DATABASE_URL: "http://x", SIGMA_JWT_SECRET: "s", PORT: "", SIGMA_AS_OF: "" });
    assert.equal(cfg.port, 8080);
    assert.equal(cfg.asOf, undefined);
  });

  it("lists EVERY missing or bad variable, one line each", () => {
    const env = {
      PORT: "70000",
      DATABASE_URL: "not a url",
      WORKERS: "0",
      VERBOSE: "maybe",
      SIGMA_PRICES_KIND: "yahoo",
      SIGMA_AS_OF: "2021-02-30",
    };
    assert.throws(
      () => loadConfig(spec, env),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(
          e.problems.map((p) => p.env),
          ["PORT", "DATABASE_URL", "WORKERS", "VERBOSE", "SIGMA_PRICES_KIND", "SIGMA_AS_OF", "SIGMA_JWT_SECRET"],
        );
        const lines = e.message.split("\n");
        assert.equal(lines.length, 1 + 7);
        assert.match(lines[0]!, /7 problems/);
        assert.match(e.message, /PORT: must be <= 65535, got 70000/);
        assert.match(e.message, /SIGMA_JWT_SECRET: missing \(required\)/);
        assert.match(e.message, /DATABASE_URL: not an absolute URL.*Postgres URL/);
        assert.match(e.message, /SIGMA_PRICES_KIND: must be one of synthetic\|csv\|http/);
        assert.match(e.message, /SIGMA_AS_OF: not a valid date/);
        return true;
      },
    );
  });

  it("accepts the three peer URL forms and names the fix for anything else", () => {
    const peer = { u: { env: "SIGMA_FACTOR_URL", kind: "peer" } } as const;
    for (const v of ["http://factor:50053", "grpc+lb://127.0.0.1:1,127.0.0.1:2", "dns:///factor-headless:50053"])
      assert.equal(loadConfig(peer, { SIGMA_FACTOR_URL: v }).u, v);
    assert.throws(
      () => loadConfig(peer, { SIGMA_FACTOR_URL: "grpc+lb://a:1,b:2" }),
      /SIGMA_FACTOR_URL: grpc\+lb:\/\/a:1,b:2 lists several host names.*dns:\/\/\/name:port/,
    );
    assert.throws(() => loadConfig(peer, { SIGMA_FACTOR_URL: "factor:50053" }), /SIGMA_FACTOR_URL: unsupported peer URL/);
  });

  it("rejects non-integers and accepts port 0", () => {
    assert.throws(() => loadConfig({ n: { env: "N", kind: "int" } }, { N: "1.5" }), /not an integer/);
    assert.equal(loadConfig({ p: { env: "P", kind: "port" } }, { P: "0" }).p, 0);
  });

  it("fails loudly on an enum spec without values (a programming error)", () => {
    assert.throws(() => loadConfig({ e: { env: "E", kind: "enum" } }, {}), /enum without values/);
  });

  it("describes the spec", () => {
    const text = describeConfig(spec);
    assert.match(text, /^PORT \(port, default 8080\): h2c port$/m);
    assert.match(text, /^DATABASE_URL \(url, required\): Postgres URL$/m);
    assert.match(text, /^SIGMA_PRICES_KIND \(enum\(synthetic\|csv\|http\), default "synthetic"\)$/m);
  });
});
