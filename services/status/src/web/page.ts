/** Options of {@link renderStatusPage}. */
export interface StatusPageOptions {
  /** Show the Retry button on the failure screen (the server accepts POST /api/retry). */
  readonly retryEnabled: boolean;
  /** URL of the bundled browser code (see client-bundle.ts), e.g. `/assets/status-page.js?v=HASH`. */
  readonly scriptUrl: string;
  /** More CSS inlined after the page's own (the chart library's stylesheet). */
  readonly extraCss?: string;
}

/** Escapes `<` so JSON can sit inside a `<script>` element without closing it. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --accent: #0969da;
  --muted: #59636e; --bg: #ffffff; --fg: #1f2328; --panel: #f6f8fa; --line: #d0d7de; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --panel: #161b22; --line: #30363d;
  --ok: #3fb950; --bad: #f85149; --warn: #d29922; --accent: #58a6ff; --muted: #8b949e; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
main { max-width: 760px; margin: 0 auto; padding: 24px 16px 48px; }
main.wide { max-width: 1100px; }
nav.top { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: center; padding: 8px 16px;
  border-bottom: 1px solid var(--line); background: var(--panel); }
nav.top .brand { font-weight: 700; margin-right: 8px; color: var(--fg); text-decoration: none; }
nav.top #nav-user { margin-left: auto; display: flex; gap: 12px; align-items: center; }
a:focus-visible, button:focus-visible, select:focus-visible, input:focus-visible, textarea:focus-visible,
  [tabindex]:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 4px 16px 16px; margin: 16px 0; }
.page-head h1 { margin-bottom: 4px; }
.controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.table-wrap { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td .num, td.num { font-variant-numeric: tabular-nums; }
tbody th { font-weight: 600; }
.flag { color: var(--bad); }
.small { font-size: 12px; color: var(--muted); }
.chart { width: 100%; min-height: 40px; overflow-x: auto; }
form { display: grid; gap: 6px; max-width: 520px; }
form.inline-form { max-width: none; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); align-items: end; }
label.check { display: flex; gap: 6px; align-items: center; }
label.field { display: flex; flex-direction: column; gap: 4px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
input, select, textarea { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
textarea { font-family: ui-monospace, monospace; font-size: 12px; }
.drop { border: 2px dashed var(--line); border-radius: 8px; padding: 24px; text-align: center; cursor: pointer; }
.drop.over { border-color: var(--accent); background: var(--panel); }
a.button { display: inline-block; padding: 6px 16px; border-radius: 6px; background: var(--accent); color: #fff; text-decoration: none; }
button.secondary { background: var(--panel); color: var(--fg); }
button.link { background: none; border: 0; color: var(--accent); padding: 0; text-decoration: underline; }
@media (max-width: 600px) { main { padding: 12px 8px 32px; } th, td { padding: 4px; } }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 8px 16px; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0; flex: 1 1 auto; }
h2 { font-size: 17px; margin: 20px 0 8px; }
.muted, #run-id, #connection { color: var(--muted); font-size: 13px; }
.badge { padding: 2px 10px; border-radius: 999px; font-size: 13px; border: 1px solid var(--line); }
.badge.running { color: var(--accent); } .badge.completed { color: var(--ok); } .badge.failed { color: var(--bad); }
.notice { background: var(--panel); border: 1px solid var(--warn); color: var(--warn); padding: 8px 12px;
  border-radius: 6px; margin: 12px 0; }
.bar { height: 8px; background: var(--panel); border: 1px solid var(--line); border-radius: 4px; overflow: hidden; }
.fill { height: 100%; background: var(--accent); transition: width .4s ease; }
ul.phases { list-style: none; padding: 0; margin: 0; border: 1px solid var(--line); border-radius: 6px; }
.phase { display: grid; grid-template-columns: 28px 1fr auto; gap: 2px 8px; padding: 8px 12px;
  border-top: 1px solid var(--line); }
.phase:first-child { border-top: 0; }
.phase .icon { text-align: center; font-weight: bold; }
.phase.done .icon { color: var(--ok); } .phase.failed .icon { color: var(--bad); }
.phase.incomplete .icon, .phase.cancelled .icon { color: var(--warn); }
.phase.pending { color: var(--muted); }
.phase.running .name { font-weight: 600; }
.phase .duration { color: var(--muted); font-variant-numeric: tabular-nums; }
.phase .summary, .phase .phase-progress { grid-column: 2 / 4; color: var(--muted); font-size: 13px; }
.phase-progress { display: grid; grid-template-columns: 1fr auto; gap: 8px; align-items: center; }
.spinner { display: inline-block; width: 14px; height: 14px; border: 2px solid var(--line);
  border-top-color: var(--accent); border-radius: 50%; animation: spin .8s linear infinite; vertical-align: -2px; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 3s; } }
#log { font: 12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--panel);
  border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; height: calc(10 * 1.5em + 16px);
  overflow-y: auto; white-space: pre-wrap; word-break: break-word; }
.line.warn, li.warn { color: var(--warn); } .line.error { color: var(--bad); }
.hero { font-size: 20px; margin: 16px 0 4px; }
.hero.ok::before { content: "\\2713  "; color: var(--ok); } .hero.bad::before { content: "\\2717  "; color: var(--bad); }
button { font: inherit; padding: 6px 16px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--accent); color: #fff; cursor: pointer; }
button:disabled { opacity: .6; cursor: progress; }
.actions { display: flex; gap: 16px; align-items: center; margin-top: 20px; }
a { color: var(--accent); }
[hidden] { display: none !important; }
`;

/**
 * Renders the status page: one HTML document (inline CSS, its script from this server, nothing
 * from elsewhere) that shows a run live — the onboarding screen of SPEC §5. The page itself is static:
 * it reads `?portfolio=ID` or `?run=ID` from its URL and talks to the JSON/SSE endpoints of
 * {@link createWebHandler} (`/api/events`, `/api/status`, `/api/log`, `/api/retry`).
 *
 * Screens: running (phase list with ✓ / spinner / ○ / ✗ icons and durations, overall and
 * current-phase progress bars, last ~10 activity lines auto-scrolling, elapsed time, a
 * "taking longer than usual" notice after 20 minutes), completed (summary per phase and the
 * warnings), failed or cancelled (what completed, the error, Retry when enabled), not found,
 * and a help screen without a target. Every screen links the log download.
 */
export function renderStatusPage(options: StatusPageOptions): string {
  const config = scriptSafeJson({ retry: options.retryEnabled });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sigma · analysis status</title>
<style>${STYLE}${options.extraCss ?? ""}</style>
</head>
<body>
<nav class="top" aria-label="Sigma">
  <a class="brand" href="/">Sigma</a>
  <a href="/">Portfolios</a>
  <a href="/onboard">Onboard</a>
  <a id="nav-operator" href="/operator" hidden>Operations</a>
  <span id="nav-user"></span>
</nav>
<main id="app" class="wide" hidden aria-live="polite"></main>
<main id="run-screen">
  <header>
    <h1>Sigma analysis <span id="target" class="muted"></span></h1>
    <span id="state" class="badge">Connecting…</span>
    <span id="elapsed" class="muted" aria-live="off"></span>
  </header>
  <div class="muted"><span id="run-id"></span> <span id="connection">connecting…</span></div>

  <section id="screen-help" hidden>
    <p>Open this page with <code>?portfolio=ID</code> or <code>?run=ID</code> to follow an analysis.</p>
  </section>

  <section id="screen-notfound" hidden>
    <p class="hero">No analysis found yet.</p>
    <p class="muted">This page updates by itself as soon as the run starts.</p>
  </section>

  <section id="screen-running" hidden aria-live="polite">
    <p id="slow" class="notice" hidden>This is taking longer than usual. It is still working; you can leave this
      page open or come back later.</p>
    <h2 id="overall-text"></h2>
    <div id="overall"></div>
    <h2>Steps</h2>
    <ul id="phases" class="phases"></ul>
    <h2>Activity</h2>
    <div id="log" role="log" aria-live="polite"></div>
  </section>

  <section id="screen-completed" hidden>
    <p class="hero ok">The analysis is ready.</p>
    <p id="done-elapsed" class="muted"></p>
    <p id="done-reason"></p>
    <h2>Summary</h2>
    <ul id="done-phases" class="phases"></ul>
    <div id="done-warnings-box" hidden>
      <h2>Warnings</h2>
      <ul id="done-warnings"></ul>
    </div>
  </section>

  <section id="screen-failed" hidden>
    <p id="failed-title" class="hero bad">The analysis failed</p>
    <p id="failed-reason"></p>
    <h2>What completed</h2>
    <ul id="failed-completed"></ul>
    <h2>Steps</h2>
    <ul id="failed-phases" class="phases"></ul>
    <div class="actions">
      <button id="retry" type="button">Retry</button>
      <span id="retry-error" class="muted" role="alert"></span>
    </div>
  </section>

  <div id="run-warnings-box" hidden>
    <h2>Warnings by symbol</h2>
    <ul id="run-warnings"></ul>
  </div>
  <p class="actions"><a id="download" href="#" download hidden>Download log</a>
    <a id="portfolio-link" href="#" hidden>Open the portfolio page</a></p>
</main>
<script id="sigma-config" type="application/json">${config}</script>
<script src="${escapeAttribute(options.scriptUrl)}"></script>
</body>
</html>
`;
}
