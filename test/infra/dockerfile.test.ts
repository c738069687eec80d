// Offline checks on the Dockerfile (no Docker engine): the rules the manifests rely on.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const read = (rel: string): string => readFileSync(fileURLToPath(new URL(`../../${rel}`, import.meta.url)), "utf8");

/** Instructions with comments dropped and `\` continuations joined, as Docker reads them. */
function instructions(dockerfile: string): string[] {
  return dockerfile
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

test("Dockerfile: node 20 slim base, runtime deps incl. tsx, non-root uid 1000", () => {
  const steps = instructions(read("Dockerfile"));
  assert.match(steps.find((s) => s.startsWith("FROM ")) ?? "", /^FROM node:20-bookworm-slim$/);
  const install = steps.findIndex((s) => /^RUN .*npm ci\b/.test(s));
  assert.ok(install >= 0, "npm ci must run in the image");
  // tsx is a devDependency used at runtime: neither --omit=dev nor NODE_ENV=production before npm ci.
  assert.doesNotMatch(steps[install]!, /--omit[= ]dev|--production/);
  const nodeEnv = steps.findIndex((s) => /^ENV .*NODE_ENV=production/.test(s));
  assert.ok(nodeEnv === -1 || nodeEnv > install, "NODE_ENV=production before npm ci would omit tsx");
  const user = steps.filter((s) => s.startsWith("USER "));
  assert.deepEqual(user, ["USER 1000:1000"], "run as the numeric non-root user the pods expect");
  assert.ok(steps.indexOf("USER 1000:1000") > install, "install as root, run as 1000");
});

test(".dockerignore keeps the host node_modules and .git out of the build context", () => {
  const ignored = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim());
  assert.ok(ignored.includes("node_modules"));
  assert.ok(ignored.includes(".git"));
});
