/**
 * A real browser for the web app's tests: Debian's chromium (found on PATH; `.ci/run` installs it)
 * driven by playwright-core. Never downloads a browser.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { repoRoot } from "./paths.js";

/** Where the browser tests write their screenshots (gitignored). */
export const BROWSER_OUTPUT_DIR: string = path.join(repoRoot, "test-output", "browser");

/**
 * Flags for headless chromium on a locked-down CI machine: no sandbox (root), no GPU, and no
 * background traffic to Google's hosts (the network is closed; those connections only add noise).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The chromium executable on PATH (`chromium`, else `chromium-browser`).
 *
 * @throws Error saying how to install it when neither is on PATH
 */
export function chromiumPath(): string {
  for (const name of ["chromium", "chromium-browser"]) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    const found = r.stdout.trim();
    if (r.status === 0 && found) return found;
  }
  throw new Error("chromium is not on PATH: install it with `apt-get install -y chromium` (.ci/run does)");
}

/** A launched browser with a fresh profile (playwright gives each launch its own user-data-dir). */
export interface TestBrowser {
  readonly browser: Browser;
  /** A new isolated context (own cookies and sessionStorage) with a page and its console errors. */
  newPage(opts?: { width?: number; height?: number }): Promise<TestPage>;
  close(): Promise<void>;
}

/** A page and every console error / uncaught exception it produced. */
export interface TestPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console messages of type "error" and uncaught page errors, in order. */
  readonly errors: string[];
  /** Saves a full-page screenshot as BROWSER_OUTPUT_DIR/NAME.png; returns its path. */
  screenshot(name: string): Promise<string>;
}

/** Starts headless chromium. */
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS], headless: true });
  mkdirSync(BROWSER_OUTPUT_DIR, { recursive: true });
  return {
    browser,
    async newPage(opts = {}) {
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
      return {
        context,
        page,
        errors,
        async screenshot(name) {
          const file = path.join(BROWSER_OUTPUT_DIR, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        },
      };
    },
    close: () => browser.close(),
  };
}
