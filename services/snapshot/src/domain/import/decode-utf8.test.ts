import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeUtf8, splitLines } from "./decode-utf8.js";

test("valid UTF-8 decodes whole, without its BOM", () => {
  assert.deepEqual(decodeUtf8(new TextEncoder().encode("\uFEFFa,é\n€")), { text: "a,é\n€", invalidLines: [] });
});

test("invalid bytes are replaced and their lines named (LF, CRLF and lone CR end lines)", () => {
  const bytes = Uint8Array.from([0x61, 0x0a, 0xc9, 0x0d, 0x0a, 0x62, 0x0d, 0x63, 0xff, 0x0a, 0xe2, 0x82]);
  const decoded = decodeUtf8(bytes);
  assert.deepEqual(decoded.invalidLines, [2, 4, 5]);
  assert.deepEqual(splitLines(decoded.text), ["a", "\uFFFD", "b", "c\uFFFD", "\uFFFD"]);
});
