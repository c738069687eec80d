import assert from "node:assert/strict";
import { dirname } from "node:path";
import { test } from "node:test";
import ts from "typescript";
import { buildClientBundle, CLIENT_TSCONFIG } from "./client-bundle.js";

test("the browser code bundles into one script without module syntax", async () => {
  const bundle = await buildClientBundle();
  assert.ok(bundle.code.length > 1000);
  assert.match(bundle.hash, /^[0-9a-f]{12}$/);
  assert.doesNotMatch(bundle.code, /^\s*(import|export)\s/m, "an IIFE: no ES module syntax left");
  assert.match(bundle.code, /api\/events/);
  assert.match(bundle.code, /completed with warnings/, "the shared state labels are bundled in");
  assert.equal(bundle.code.includes("</script"), false);
  assert.equal((await buildClientBundle()).hash, bundle.hash, "the build is deterministic");
});

test("the browser code type-checks against the DOM (its own TypeScript project)", () => {
  const read = ts.readConfigFile(CLIENT_TSCONFIG, ts.sys.readFile);
  assert.equal(read.error, undefined);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(CLIENT_TSCONFIG));
  assert.deepEqual(parsed.errors, []);
  const program = ts.createProgram(parsed.fileNames, parsed.options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  assert.deepEqual(diagnostics, []);
  assert.ok(parsed.fileNames.some((f) => f.endsWith("client/main.ts")));
});
