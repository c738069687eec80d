import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** The page's browser code, bundled. */
export interface ClientBundle {
  /** The script (an IIFE, ES2020). */
  readonly code: string;
  /** A short content hash, for the script's URL (a new build is never served from a stale cache). */
  readonly hash: string;
}

/** Entry point of the browser code (TypeScript, typed against the DOM by ./client/tsconfig.json). */
export const CLIENT_ENTRY = fileURLToPath(new URL("./client/main.ts", import.meta.url));
/** The browser code's TypeScript project. */
export const CLIENT_TSCONFIG = fileURLToPath(new URL("./client/tsconfig.json", import.meta.url));

/**
 * Bundles the status page's browser code with esbuild, in memory. Run at service start-up
 * (tens of milliseconds), so the served script always matches the source: there is no build
 * artefact that could go stale and no extra build step for `make test` / `make demo` / the image.
 *
 * @throws esbuild's error when the client code does not compile
 */
export async function buildClientBundle(): Promise<ClientBundle> {
  const result = await build({
    entryPoints: [CLIENT_ENTRY],
    tsconfig: CLIENT_TSCONFIG,
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error("esbuild produced no output for the status page");
  return { code, hash: createHash("sha256").update(code).digest("hex").slice(0, 12) };
}

/** uPlot's stylesheet, inlined into the page (the app works offline: no CDN). */
export function chartStylesheet(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
}
