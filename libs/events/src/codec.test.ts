import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create, equals } from "@bufbuild/protobuf";
import { RunEventSchema } from "@sigma/contracts";
import { decodeRunEvent, encodeRunEvent, EventDecodeError, eventMessageId } from "./codec.js";
import { sampleEvent } from "./test-events.js";

describe("codec", () => {
  it("round-trips every payload kind through Protobuf binary", () => {
    for (const seq of [1, 2, 3]) {
      const event = sampleEvent("r1", seq);
      const back = decodeRunEvent(encodeRunEvent(event));
      assert.ok(equals(RunEventSchema, back, event), `seq ${seq}`);
      assert.equal(back.payload.case, event.payload.case);
    }
  });

  it("throws EventDecodeError with the sequence for garbage bytes", () => {
    assert.throws(
      () => decodeRunEvent(new Uint8Array([0xff, 0xff, 0xff]), 42),
      (e: unknown) => e instanceof EventDecodeError && e.seq === 42,
    );
  });

  it("derives the de-duplication id from run_id and run_seq and rejects unnumbered events", () => {
    assert.equal(eventMessageId(sampleEvent("r1", 7)), "r1:7");
    assert.throws(() => eventMessageId(create(RunEventSchema, { runId: "r1" })), /run_seq/);
    assert.throws(() => eventMessageId(create(RunEventSchema, { runSeq: 1n })), /run_id/);
  });
});
