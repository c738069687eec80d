/**
 * The status page's browser code (bundled by esbuild at service start-up, see
 * ../client-bundle.ts). It reads the target from the page URL (`?portfolio=ID` or `?run=ID`),
 * streams `/api/events` (Server-Sent Events read through fetch, so an `Authorization: Bearer`
 * header can be sent; EventSource cannot), reconnects with `Last-Event-ID` so no update is
 * lost or repeated, stops when the run has ended (the server closes the stream after the final
 * event), and falls back to polling `/api/status` when the server has no event stream.
 * A bearer token given as `#token=JWT` in the URL is kept in sessionStorage and sent on every
 * request; the fragment never reaches server logs.
 */
import { authHeaders, sessionToken } from "./api.js";
import { bootApp, renderNav } from "./app.js";
import { parseSse } from "./sse.js";
import type { AggregatedWarningJson } from "./types.js";
import { isFinal, type PhaseModel, type StatusJson, type ViewModel, viewModel } from "./view-model.js";

const POLL_MS = 2000;
const SCREENS = ["screen-help", "screen-notfound", "screen-running", "screen-completed", "screen-failed"] as const;

interface PageConfig {
  retry?: boolean;
}

/** An error answer of the web API: `{ code, message }` (the RPC error code and its message). */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function apiError(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return new ApiError(res.status, body.code ?? "unknown", body.message ?? text);
  } catch {
    return new ApiError(res.status, "unknown", text || `HTTP ${res.status}`);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e as T;
}

function el(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function bar(fraction: number, label: string): HTMLElement {
  const outer = el("div", "bar");
  outer.setAttribute("role", "progressbar");
  outer.setAttribute("aria-valuemin", "0");
  outer.setAttribute("aria-valuemax", "100");
  outer.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
  outer.setAttribute("aria-label", label);
  const inner = el("div", "fill");
  inner.style.width = `${(fraction * 100).toFixed(1)}%`;
  outer.appendChild(inner);
  return outer;
}

function phaseRow(p: PhaseModel): HTMLElement {
  const li = el("li", `phase ${p.kind}`);
  const icon = el("span", "icon", p.icon);
  if (p.kind === "running") icon.appendChild(el("span", "spinner"));
  icon.setAttribute("aria-label", p.stateLabel);
  icon.setAttribute("title", p.stateLabel);
  li.appendChild(icon);
  li.appendChild(el("span", "name", p.name));
  li.appendChild(el("span", "duration", p.duration));
  if (p.kind === "running" && p.fraction !== null) {
    const progress = el("div", "phase-progress");
    progress.appendChild(bar(p.fraction, p.name));
    progress.appendChild(el("span", "count", `${p.current} / ${p.total} ${p.unit}`));
    li.appendChild(progress);
  }
  const detail = p.kind === "cancelled" || p.kind === "incomplete" ? [p.stateLabel, p.summary].filter(Boolean).join(": ") : p.summary;
  if (detail) li.appendChild(el("div", "summary", detail));
  return li;
}

function boot(): void {
  const config = JSON.parse(byId("sigma-config").textContent || "{}") as PageConfig;
  const params = new URLSearchParams(location.search);
  const run = params.get("run");
  const portfolio = params.get("portfolio");
  const query = run ? `run=${encodeURIComponent(run)}` : portfolio ? `portfolio=${encodeURIComponent(portfolio)}` : "";
  const token = sessionToken();
  let last: StatusJson | null = null;
  let receivedAt = 0;
  let logKey = "";
  let warningsKey = "";
  let warningsAt = 0;
  /** Whether the server's aggregated warnings replaced the recent-lines summary. */
  let serverWarnings = false;

  if (!query || location.pathname !== "/") {
    // Not a run: the web app's screens (home, onboarding, portfolio, operator, sign-in).
    byId("run-screen").hidden = true;
    void bootApp();
    return;
  }
  void renderNav().catch(() => undefined);
  byId("target").textContent = run ? `Run ${run}` : `Portfolio ${portfolio}`;
  const download = byId<HTMLAnchorElement>("download");
  download.setAttribute("href", `/api/log?${query}`);
  download.hidden = false;
  download.addEventListener("click", downloadLog);
  if (config.retry) byId("retry").addEventListener("click", retry);
  else byId("retry").hidden = true;

  void stream();
  setInterval(() => {
    if (last) render(false);
  }, 1000);

  function headers(extra: Record<string, string> = {}): Record<string, string> {
    return authHeaders(extra);
  }

  /**
   * The run's warnings aggregated per symbol and reason over its whole log (server side): at
   * the end of the run, and while it runs whenever a new warning line arrived (at most every 3 s).
   */
  async function refreshWarnings(vm: ViewModel): Promise<void> {
    const key = `${vm.runId}:${vm.warnings.join("\n")}:${vm.screen}`;
    const final = vm.screen === "completed" || vm.screen === "failed";
    if (key === warningsKey || (!final && (vm.warnings.length === 0 || Date.now() - warningsAt < 3000))) return;
    warningsKey = key;
    warningsAt = Date.now();
    try {
      const res = await fetch(`/api/warnings?${query}`, { headers: headers() });
      if (!res.ok) return;
      const body = (await res.json()) as { warnings: AggregatedWarningJson[] };
      const items = body.warnings.map((w) => {
        const times = w.occurrences > 1 ? ` (reported ${w.occurrences} times)` : "";
        const span = w.firstDate && w.lastDate && w.firstDate !== w.lastDate ? `, ${w.firstDate} \u2013 ${w.lastDate}` : "";
        return el("li", "warn", `${w.symbol ? `${w.symbol}: ` : ""}${w.reason}${times}${span}`);
      });
      byId("run-warnings").replaceChildren(...items);
      byId("run-warnings-box").hidden = items.length === 0;
      // The completed screen lists them here instead of the recent-lines summary.
      serverWarnings = true;
      byId("done-warnings-box").hidden = true;
    } catch {
      // Best effort: the activity log still shows every warning line.
    }
  }

  function onStatus(status: StatusJson): void {
    last = status;
    receivedAt = Date.now();
    render(true);
  }

  function setConnection(text: string): void {
    byId("connection").textContent = text;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async function stream(): Promise<void> {
    let lastId: string | null = null;
    let failures = 0;
    for (;;) {
      try {
        const h = headers({ Accept: "text/event-stream" });
        if (lastId !== null) h["Last-Event-ID"] = lastId;
        const res = await fetch(`/api/events?${query}`, { headers: h });
        if (res.status === 501) {
          poll();
          return;
        }
        if (!res.ok) throw await apiError(res);
        if (!res.body) throw new Error("no response body");
        setConnection("live");
        failures = 0;
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          buf += decoder.decode(chunk.value, { stream: true });
          const parsed = parseSse(buf);
          buf = parsed.rest;
          for (const ev of parsed.events) {
            if (ev.id) lastId = ev.id;
            if (ev.event === "status") onStatus((JSON.parse(ev.data) as { status: StatusJson }).status);
            else if (ev.event === "error") {
              const e = JSON.parse(ev.data) as { code: string; message: string };
              throw new ApiError(200, e.code, e.message);
            }
          }
        }
        // The server ends the stream after the run's final event: nothing more will come.
        if (isFinal(last)) {
          setConnection("finished");
          return;
        }
      } catch (err) {
        if (err instanceof ApiError && err.code === "not_found") {
          last = null;
          show("screen-notfound");
        }
        setConnection(`reconnecting\u2026 (${errorText(err)})`);
      }
      failures += 1;
      await sleep(Math.min(30_000, 1000 * 2 ** Math.min(failures, 5)));
    }
  }

  function poll(): void {
    setConnection("polling");
    const tick = async (): Promise<void> => {
      try {
        const res = await fetch(`/api/status?${query}`, { headers: headers() });
        if (!res.ok) throw await apiError(res);
        onStatus((await res.json()) as StatusJson);
        setConnection("polling");
        if (isFinal(last)) {
          setConnection("finished");
          return;
        }
      } catch (err) {
        setConnection(`retrying\u2026 (${errorText(err)})`);
      }
      setTimeout(tick, POLL_MS);
    };
    void tick();
  }

  async function downloadLog(e: Event): Promise<void> {
    if (!token) return; // the plain link works without a bearer token
    e.preventDefault();
    const res = await fetch(`/api/log?${query}`, { headers: headers() });
    if (!res.ok) {
      alert(`Download failed: ${(await apiError(res)).message}`);
      return;
    }
    const m = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "");
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = m?.[1] ?? "sigma-run.log";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function retry(): Promise<void> {
    const button = byId<HTMLButtonElement>("retry");
    button.disabled = true;
    byId("retry-error").textContent = "";
    try {
      const res = await fetch(`/api/retry?${query}`, { method: "POST", headers: headers() });
      if (!res.ok) throw await apiError(res);
      const body = (await res.json()) as { runId?: string };
      // Follow the new run: the old one's stream has ended.
      if (body.runId) location.search = `?run=${encodeURIComponent(body.runId)}`;
    } catch (err) {
      byId("retry-error").textContent = `Retry failed: ${errorText(err)}`;
    } finally {
      button.disabled = false;
    }
  }

  function show(id: (typeof SCREENS)[number]): void {
    for (const s of SCREENS) byId(s).hidden = s !== id;
  }

  function phaseList(vm: ViewModel, target: HTMLElement): void {
    target.replaceChildren(...vm.phases.map(phaseRow));
  }

  function render(fresh: boolean): void {
    const vm = viewModel(last, (Date.now() - receivedAt) / 1000);
    byId("state").textContent = vm.stateLabel;
    byId("state").className = `badge ${vm.screen}`;
    byId("elapsed").textContent = vm.elapsed ? `Elapsed ${vm.elapsed}` : "";
    byId("run-id").textContent = vm.runId ? `run ${vm.runId}` : "";
    show(`screen-${vm.screen}`);
    if (vm.screen === "notfound") return;
    const portfolioId = last?.portfolioId ?? portfolio ?? "";
    const link = byId<HTMLAnchorElement>("portfolio-link");
    link.hidden = !(portfolioId && vm.screen === "completed");
    if (portfolioId) link.setAttribute("href", `/portfolios/${encodeURIComponent(portfolioId)}`);
    if (fresh) void refreshWarnings(vm);
    if (vm.screen === "running") {
      byId("slow").hidden = !vm.slow;
      byId("overall-text").textContent =
        `Step ${Math.min(vm.phasesCompleted + 1, vm.phasesTotal)} of ${vm.phasesTotal} \u00B7 ${vm.percent}%`;
      byId("overall").replaceChildren(bar(vm.percent / 100, "overall progress"));
      phaseList(vm, byId("phases"));
      if (fresh) renderLog(vm);
    } else if (vm.screen === "completed") {
      byId("done-elapsed").textContent = `Finished in ${vm.elapsed}`;
      byId("done-reason").textContent = vm.errorSummary;
      phaseList(vm, byId("done-phases"));
      byId("done-warnings").replaceChildren(...vm.warnings.map((w) => el("li", "warn", w)));
      byId("done-warnings-box").hidden = serverWarnings || vm.warnings.length === 0;
    } else {
      byId("failed-title").textContent = vm.cancelled ? "The analysis was cancelled" : "The analysis failed";
      byId("failed-reason").textContent = vm.errorSummary;
      const done = vm.completed.map((p) => el("li", "done", `\u2713 ${p.name}${p.summary ? ` \u2014 ${p.summary}` : ""}`));
      byId("failed-completed").replaceChildren(...(done.length ? done : [el("li", "muted", "No step completed.")]));
      phaseList(vm, byId("failed-phases"));
    }
  }

  function renderLog(vm: ViewModel): void {
    const box = byId("log");
    const key = vm.log.map((l) => l.text).join("\n");
    if (key === logKey) return;
    logKey = key;
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    box.replaceChildren(...vm.log.map((l) => el("div", `line ${l.level}`, l.text)));
    // Follow new lines unless the reader scrolled up to read something.
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
