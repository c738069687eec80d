import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_STREAM_NAME, eventStreamConfig, runIdFromSubject, runSubject, streamSubjectFilter } from "./subjects.js";

describe("subjects", () => {
  it("builds versioned lowercase run subjects under the default prefix", () => {
    const cfg = eventStreamConfig();
    assert.equal(cfg.name, DEFAULT_STREAM_NAME);
    assert.equal(runSubject(cfg, "0190c3e4-run"), "sigma.events.v1.run.0190c3e4-run");
    assert.equal(streamSubjectFilter(cfg), "sigma.events.v1.>");
  });

  it("honours a prefix override and round-trips run ids", () => {
    const cfg = eventStreamConfig({ name: "T_1", subjectPrefix: "t1.sigma.events.v1" });
    const subject = runSubject(cfg, "abc");
    assert.equal(subject, "t1.sigma.events.v1.run.abc");
    assert.equal(runIdFromSubject(cfg, subject), "abc");
    assert.equal(runIdFromSubject(cfg, "sigma.events.v1.run.abc"), undefined);
  });

  it("rejects run ids and prefixes that would break subject tokens", () => {
    const cfg = eventStreamConfig();
    for (const bad of ["", "a.b", "a*", ">", "a b"]) assert.throws(() => runSubject(cfg, bad), TypeError, bad);
    assert.throws(() => eventStreamConfig({ subjectPrefix: "Sigma.Events" }), TypeError);
    assert.throws(() => eventStreamConfig({ subjectPrefix: "sigma.>" }), TypeError);
    assert.throws(() => eventStreamConfig({ name: "bad.name" }), TypeError);
    assert.throws(() => eventStreamConfig({ maxAgeMs: 0 }), TypeError);
  });
});
