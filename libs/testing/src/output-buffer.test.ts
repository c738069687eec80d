import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputBuffer } from "./output-buffer.js";

test("tail returns the last lines, a trailing newline not counting as a line", () => {
  const b = new OutputBuffer();
  b.append("one\ntwo\n");
  b.append(Buffer.from("three\nfour\n"));
  assert.equal(b.tail(2), "three\nfour");
  assert.equal(b.tail(10), "one\ntwo\nthree\nfour");
  assert.equal(b.tail(0), "");
});

test("keeps only the newest maxBytes and counts what it dropped", () => {
  const b = new OutputBuffer(10);
  b.append("aaaaa");
  b.append("bbbbb");
  b.append("ccccc");
  assert.equal(b.text(), "bbbbbccccc");
  assert.equal(b.discarded, 5);
  b.append("0123456789XY");
  assert.equal(b.text(), "23456789XY");
  assert.equal(b.discarded, 17);
});

test("rejects a non-positive size", () => {
  assert.throws(() => new OutputBuffer(0), RangeError);
});
