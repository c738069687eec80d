import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  AlreadyExistsError,
  codeName,
  existingIdOf,
  FailedPreconditionError,
  INTERNAL_MESSAGE,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  toConnectError,
  truncateEcho,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
} from "./errors.js";

describe("toConnectError", () => {
  it("maps every domain error to its code with the client-safe message", () => {
    const cases: Array<[Error, Code]> = [
      [new NotFoundError("portfolio p1 not found"), Code.NotFound],
      [new InvalidArgumentError("bad"), Code.InvalidArgument],
      [new FailedPreconditionError("no prices"), Code.FailedPrecondition],
      [new AlreadyExistsError("run exists"), Code.AlreadyExists],
      [new UnavailableError("db down"), Code.Unavailable],
      [new PermissionDeniedError("not yours"), Code.PermissionDenied],
      [new UnauthenticatedError("who are you"), Code.Unauthenticated],
      [new UnimplementedError("http provider"), Code.Unimplemented],
    ];
    for (const [err, code] of cases) {
      const ce = toConnectError(err);
      assert.equal(ce.code, code, err.name);
      assert.equal(ce.rawMessage, err.message);
      assert.equal(ce.cause, err);
    }
  });

  it("keeps the cause on the domain error", () => {
    const root = new Error("ECONNRESET");
    const e = new UnavailableError("database unavailable", { cause: root });
    assert.equal(e.cause, root);
    assert.equal(e.name, "UnavailableError");
    assert.ok(e instanceof Error);
  });

  it("hides anything else behind a generic INTERNAL", () => {
    const secret = new Error("password=hunter2");
    const ce = toConnectError(secret);
    assert.equal(ce.code, Code.Internal);
    assert.equal(ce.rawMessage, INTERNAL_MESSAGE);
    assert.doesNotMatch(ce.message, /hunter2/);
    assert.equal(ce.cause, secret);
    assert.equal(toConnectError("a string").code, Code.Internal);
  });

  it("passes ConnectErrors through unchanged", () => {
    const ce = new ConnectError("nope", Code.ResourceExhausted);
    assert.equal(toConnectError(ce), ce);
  });

  it("formats field violations and the unimplemented capability", () => {
    const e = new InvalidArgumentError("invalid request", {
      violations: [
        { field: "start_date", description: "not a date" },
        { field: "end_date", description: "before start_date" },
      ],
    });
    assert.equal(e.message, "invalid request\nstart_date: not a date\nend_date: before start_date");
    assert.equal(e.violations.length, 2);
    const u = new UnimplementedError("stress replay");
    assert.equal(u.capability, "stress replay");
    assert.equal(u.message, "not implemented: stress replay");
  });

  it("carries the existing id of ALREADY_EXISTS in metadata", () => {
    const ce = toConnectError(new AlreadyExistsError("a run is in progress", { existingId: "run-42" }));
    assert.equal(existingIdOf(ce), "run-42");
    assert.equal(existingIdOf(toConnectError(new AlreadyExistsError("x"))), undefined);
    assert.equal(existingIdOf(new ConnectError("x", Code.NotFound, { "sigma-existing-id": "y" })), undefined);
  });
});

describe("bounded echoes", () => {
  it("truncateEcho keeps short values and cuts long ones to 200 characters plus their size", () => {
    assert.equal(truncateEcho("AAPL"), "AAPL");
    assert.equal(truncateEcho("é".repeat(300)), `${"é".repeat(200)}… (600 bytes)`);
    assert.equal(truncateEcho("abcdef", 3), "abc… (6 bytes)");
  });

  it("InvalidArgumentError bounds each echoed violation and the number listed, keeping them all in violations", () => {
    const big = "Z".repeat(2 * 1024 * 1024);
    const violations = Array.from({ length: 120 }, (_, i) => ({ field: `symbols[${i}]`, description: `not a symbol: "${big}"` }));
    const e = new InvalidArgumentError("120 invalid symbol(s)", { violations });
    assert.ok(e.message.length < 50 * 260, String(e.message.length));
    const lines = e.message.split("\n");
    assert.equal(lines[0], "120 invalid symbol(s)");
    assert.equal(lines[1], `symbols[0]: not a symbol: "${"Z".repeat(185)}… (2097168 bytes)`);
    assert.equal(lines.at(-1), "… and 70 more");
    assert.equal(e.violations.length, 120);
  });

  it("toConnectError caps any message sent to a caller", () => {
    const long = new NotFoundError(`unknown symbol ${"Q".repeat(100_000)}`);
    assert.ok(toConnectError(long).rawMessage.length < 4100);
    const ce = toConnectError(new ConnectError("W".repeat(100_000), Code.ResourceExhausted));
    assert.equal(ce.code, Code.ResourceExhausted);
    assert.match(ce.rawMessage, /… \(100000 bytes\)$/);
  });
});

describe("codeName", () => {
  it("uses gRPC status names", () => {
    assert.equal(codeName(undefined), "OK");
    assert.equal(codeName(Code.NotFound), "NOT_FOUND");
    assert.equal(codeName(Code.DeadlineExceeded), "DEADLINE_EXCEEDED");
    assert.equal(codeName(Code.Internal), "INTERNAL");
  });
});
