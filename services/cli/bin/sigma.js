#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (no build step: every Sigma package ships its source).
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
