// Fails when regenerating the Protobuf code from proto/ would change the committed files,
// when `buf lint` or `buf format` finds a problem, or when proto/ breaks the released contracts
// (`buf breaking` against the committed image proto-baseline.binpb; a breaking change is a new
// v2 package, never an edit). Generates into a temp dir, so the working tree is never touched.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const buf = "node_modules/.bin/buf";
const run = (args) => execFileSync(buf, args, { stdio: ["ignore", "pipe", "inherit"] }).toString();

run(["lint"]);
console.log("buf lint: ok");
const fmt = run(["format", "-d", "proto"]);
if (fmt.trim()) {
  console.error(fmt);
  console.error("buf format: proto/ is not formatted (run `npx buf format -w proto`)");
  process.exit(1);
}
console.log("buf format: ok");

// Baseline image, not git history: CI clones may be shallow (STACK.md).
if (existsSync("proto-baseline.binpb")) {
  run(["breaking", "proto", "--against", "proto-baseline.binpb"]);
  console.log("buf breaking (FILE) against proto-baseline.binpb: ok");
}

const out = mkdtempSync(join(tmpdir(), "sigma-gen-"));
try {
  const template = readFileSync("buf.gen.yaml", "utf8").replace("out: libs/contracts/src/gen", `out: ${out}`);
  const templatePath = join(out, "..", `buf.gen.check.${process.pid}.yaml`);
  writeFileSync(templatePath, template);
  try {
    run(["generate", "--template", templatePath]);
  } finally {
    rmSync(templatePath, { force: true });
  }
  const list = (dir) =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? list(p) : [p];
    });
  const committedRoot = "libs/contracts/src/gen";
  const fresh = new Map(list(out).map((p) => [relative(out, p), readFileSync(p, "utf8")]));
  const committed = new Map(list(committedRoot).map((p) => [relative(committedRoot, p), readFileSync(p, "utf8")]));
  const problems = [];
  for (const [p, text] of fresh) {
    if (!committed.has(p)) problems.push(`missing: ${committedRoot}/${p}`);
    else if (committed.get(p) !== text) problems.push(`stale: ${committedRoot}/${p}`);
  }
  for (const p of committed.keys()) if (!fresh.has(p)) problems.push(`extra: ${committedRoot}/${p}`);
  if (problems.length) {
    console.error(problems.join("\n"));
    console.error("generated code is out of date: run `npm run generate` and commit the result");
    process.exit(1);
  }
  console.log(`generated code: ${fresh.size} files up to date`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
