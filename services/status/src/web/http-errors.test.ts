import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus } from "@connectrpc/connect/protocol-connect";
import { NotFoundError, UnavailableError } from "@sigma/runtime";
import { codeName, HTTP_STATUS_OF_CODE, httpErrorAnswer } from "./http-errors.js";

test("the HTTP status of every code is the Connect protocol's", () => {
  for (const code of Object.values(Code).filter((c): c is Code => typeof c === "number")) {
    assert.equal(HTTP_STATUS_OF_CODE[code], codeToHttpStatus(code), Code[code]);
  }
});

test("errors map like RPC errors: domain errors by code, anything else INTERNAL without details", () => {
  assert.deepEqual(httpErrorAnswer(new NotFoundError("run x not found")).body, { code: "not_found", message: "run x not found" });
  assert.equal(httpErrorAnswer(new UnavailableError("replaying")).status, 503);
  assert.equal(httpErrorAnswer(new ConnectError("no", Code.PermissionDenied)).status, 403);
  const internal = httpErrorAnswer(new Error("SQL exploded at host db-7"));
  assert.equal(internal.status, 500);
  assert.doesNotMatch(internal.body.message, /SQL|db-7/);
  assert.equal(codeName(Code.InvalidArgument), "invalid_argument");
  assert.equal(codeName(Code.Unauthenticated), "unauthenticated");
});
