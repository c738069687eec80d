#!/usr/bin/env node
// Dependency rules (.dependency-cruiser.cjs) over libs, services, scripts and test: prints the
// summary and exits 1 on any violation. Calls dependency-cruiser's API rather than its `depcruise`
// binary, whose start-up check refuses Node 20 (the API itself runs on it).
import { createRequire } from "node:module";
import { cruise, format } from "dependency-cruiser";

const require = createRequire(import.meta.url);
const config = require("../.dependency-cruiser.cjs");
const result = await cruise(["libs", "services", "scripts", "test"], {
  ...config.options,
  validate: true,
  ruleSet: { forbidden: config.forbidden },
});
const out = await format(result.output, { outputType: "err" });
process.stdout.write(out.output);
process.exitCode = out.exitCode > 0 ? 1 : 0;
