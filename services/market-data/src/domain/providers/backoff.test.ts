import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay, parseRetryAfter } from "./backoff.js";

describe("backoffDelay", () => {
  const opts = { baseMs: 100, capMs: 1000 };

  it("doubles per attempt within the jitter band [0.5, 1) and respects the cap", () => {
    assert.equal(
      backoffDelay(1, opts, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(2, opts, () => 0),
      100,
    );
    assert.equal(
      backoffDelay(3, opts, () => 0.999999),
      400,
    );
    assert.equal(
      backoffDelay(10, opts, () => 0),
      500,
    );
    assert.equal(
      backoffDelay(10, opts, () => 0.999999),
      1000,
    );
  });
});

describe("parseRetryAfter", () => {
  it("parses delta-seconds", () => {
    assert.equal(parseRetryAfter("2"), 2000);
    assert.equal(parseRetryAfter(" 0 "), 0);
    assert.equal(parseRetryAfter("0.25"), 250);
  });

  it("parses an HTTP date relative to now, never negative", () => {
    const now = Date.parse("2020-01-23T12:00:00Z");
    assert.equal(parseRetryAfter("Thu, 23 Jan 2020 12:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Thu, 23 Jan 2020 11:00:00 GMT", now), 0);
  });

  it("returns undefined for absent or garbage values", () => {
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter(""), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    assert.equal(parseRetryAfter("-5"), undefined);
  });
});
