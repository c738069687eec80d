/**
 * The browser script of the status page, as plain ES2020 source (no build step, no external
 * assets). Kept apart from the HTML so tests can run its pure helpers (formatDuration,
 * viewModel, parseSse) in a `node:vm` context: the DOM part only boots when `document` exists.
 *
 * It reads the target from the page URL (`?portfolio=ID` or `?run=ID`), streams
 * `/api/events` (Server-Sent Events read through fetch, so an `Authorization: Bearer` header can
 * be sent; EventSource cannot), reconnects with `Last-Event-ID` so no update is lost or
 * repeated, and falls back to polling `/api/status` when the server has no event stream.
 * A bearer token given as `#token=JWT` in the URL is kept in sessionStorage and sent on
 * every request; the fragment never reaches server logs.
 *
 * Written with String.raw: the source must not contain backticks or dollar-brace sequences.
 */
export const CLIENT_SCRIPT = String.raw`
"use strict";
var SLOW_AFTER_SECONDS = 20 * 60;
var LOG_LINES = 10;
var POLL_MS = 2000;
var ICONS = { done: "\u2713", running: "", pending: "\u25CB", failed: "\u2717" };

/** Seconds to "45s", "3m 07s", "1h 02m"; "" for a missing or negative value. */
function formatDuration(seconds) {
  var n = Number(seconds);
  if (!isFinite(n) || n < 0) return "";
  var s = Math.floor(n);
  if (s < 60) return s + "s";
  var m = Math.floor(s / 60);
  var r = s % 60;
  if (m < 60) return m + "m " + (r < 10 ? "0" : "") + r + "s";
  var h = Math.floor(m / 60);
  m = m % 60;
  return h + "h " + (m < 10 ? "0" : "") + m + "m";
}

function phaseKind(state) {
  switch (state) {
    case "PHASE_STATE_COMPLETED": return "done";
    case "PHASE_STATE_RUNNING": return "running";
    case "PHASE_STATE_FAILED": return "failed";
    default: return "pending";
  }
}

function screenFor(state) {
  switch (state) {
    case "RUN_STATE_RUNNING": return "running";
    case "RUN_STATE_COMPLETED":
    case "RUN_STATE_COMPLETED_WITH_WARNINGS": return "completed";
    case "RUN_STATE_FAILED":
    case "RUN_STATE_CANCELLED": return "failed";
    default: return "notfound";
  }
}

var STATE_LABELS = {
  RUN_STATE_RUNNING: "Running",
  RUN_STATE_COMPLETED: "Completed",
  RUN_STATE_COMPLETED_WITH_WARNINGS: "Completed with warnings",
  RUN_STATE_FAILED: "Failed",
  RUN_STATE_CANCELLED: "Cancelled",
  RUN_STATE_NOT_FOUND: "Not found"
};

function levelKind(level) {
  if (level === "ACTIVITY_LEVEL_WARNING") return "warn";
  if (level === "ACTIVITY_LEVEL_ERROR") return "error";
  return "info";
}

/**
 * Turns a StatusView (proto JSON) into what the page shows. sinceSeconds is the local time
 * since the view was received: a running run's elapsed time and running phase keep ticking
 * without trusting the browser's clock against the server's.
 */
function viewModel(status, sinceSeconds) {
  var s = status || {};
  var running = s.state === "RUN_STATE_RUNNING";
  var extra = running ? Math.max(0, Number(sinceSeconds) || 0) : 0;
  var elapsed = Number(s.elapsedSeconds || 0) + extra;
  var phases = (s.phases || []).map(function (p) {
    var kind = phaseKind(p.state);
    var current = Number(p.current || 0);
    var total = Number(p.total || 0);
    var duration = Number(p.durationSeconds || 0) + (kind === "running" ? extra : 0);
    return {
      kind: kind,
      icon: ICONS[kind],
      name: p.name || "",
      label: p.label || "",
      duration: kind === "pending" ? "" : formatDuration(duration),
      current: current,
      total: total,
      unit: p.unit || "",
      fraction: total > 0 ? Math.min(1, Math.max(0, current / total)) : null,
      summary: p.summary || ""
    };
  });
  var activity = s.recentActivity || [];
  return {
    screen: screenFor(s.state),
    stateLabel: STATE_LABELS[s.state] || "Unknown",
    runId: s.runId || "",
    elapsed: formatDuration(elapsed),
    elapsedSeconds: elapsed,
    slow: running && elapsed >= SLOW_AFTER_SECONDS,
    percent: Math.max(0, Math.min(100, Math.round(Number(s.percent || 0)))),
    phasesCompleted: Number(s.phasesCompleted || 0),
    phasesTotal: Number(s.phasesTotal || 0),
    phases: phases,
    current: phases.filter(function (p) { return p.kind === "running"; })[0] || null,
    completed: phases.filter(function (p) { return p.kind === "done"; }),
    log: activity.slice(-LOG_LINES).map(function (a) {
      return { level: levelKind(a.level), text: a.message || "" };
    }),
    warnings: activity.filter(function (a) { return a.level === "ACTIVITY_LEVEL_WARNING"; })
      .map(function (a) { return a.message || ""; }),
    errorSummary: s.errorSummary || ""
  };
}

/**
 * Splits a Server-Sent Events buffer into complete events and the unfinished rest.
 * Each event: { id, event, data } (event defaults to "message"; comment lines ignored).
 */
function parseSse(buffer) {
  var text = buffer.replace(/\r\n?/g, "\n");
  var blocks = text.split("\n\n");
  var rest = blocks.pop();
  var events = [];
  blocks.forEach(function (block) {
    var ev = { id: null, event: "message", data: null };
    block.split("\n").forEach(function (line) {
      if (line === "" || line.charAt(0) === ":") return;
      var i = line.indexOf(":");
      var field = i < 0 ? line : line.slice(0, i);
      var value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "data") ev.data = ev.data === null ? value : ev.data + "\n" + value;
      else if (field === "id") ev.id = value;
      else if (field === "event") ev.event = value;
    });
    if (ev.data !== null) events.push(ev);
  });
  return { events: events, rest: rest };
}

function boot() {
  var config = JSON.parse(document.getElementById("sigma-config").textContent || "{}");
  var params = new URLSearchParams(location.search);
  var query = params.get("run") ? "run=" + encodeURIComponent(params.get("run"))
    : params.get("portfolio") ? "portfolio=" + encodeURIComponent(params.get("portfolio")) : "";
  var token = takeToken();
  var last = null;
  var receivedAt = 0;
  var logKey = "";
  var $ = function (id) { return document.getElementById(id); };

  if (!query) {
    show("screen-help");
    return;
  }
  $("target").textContent = params.get("run") ? "Run " + params.get("run") : "Portfolio " + params.get("portfolio");
  $("download").setAttribute("href", "/api/log?" + query);
  $("download").hidden = false;
  $("download").addEventListener("click", downloadLog);
  if (config.retry) $("retry").addEventListener("click", retry);
  else $("retry").hidden = true;

  var controller = new AbortController();
  stream();
  setInterval(function () { if (last) render(false); }, 1000);

  function takeToken() {
    var m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem("sigma-token", decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem("sigma-token");
  }

  function headers(extra) {
    var h = extra || {};
    if (token) h.Authorization = "Bearer " + token;
    return h;
  }

  function onStatus(status) {
    last = status;
    receivedAt = Date.now();
    render(true);
  }

  function setConnection(text) { $("connection").textContent = text; }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  async function stream() {
    var lastId = null;
    var failures = 0;
    for (;;) {
      try {
        var h = headers({ Accept: "text/event-stream" });
        if (lastId !== null) h["Last-Event-ID"] = lastId;
        var res = await fetch("/api/events?" + query, { headers: h, signal: controller.signal });
        if (res.status === 501) { poll(); return; }
        if (!res.ok) throw new Error(await res.text() || "HTTP " + res.status);
        setConnection("live");
        failures = 0;
        var reader = res.body.getReader();
        var decoder = new TextDecoder();
        var buf = "";
        for (;;) {
          var chunk = await reader.read();
          if (chunk.done) break;
          buf += decoder.decode(chunk.value, { stream: true });
          var parsed = parseSse(buf);
          buf = parsed.rest;
          parsed.events.forEach(function (ev) {
            if (ev.id) lastId = ev.id;
            if (ev.event === "status") onStatus(JSON.parse(ev.data).status);
          });
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        setConnection("reconnecting\u2026 (" + (err && err.message ? err.message : err) + ")");
      }
      failures += 1;
      await sleep(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
    }
  }

  function poll() {
    setConnection("polling");
    var tick = async function () {
      try {
        var res = await fetch("/api/status?" + query, { headers: headers() });
        if (!res.ok) throw new Error(await res.text() || "HTTP " + res.status);
        onStatus(await res.json());
        setConnection("polling");
      } catch (err) {
        setConnection("retrying\u2026 (" + (err && err.message ? err.message : err) + ")");
      }
      setTimeout(tick, POLL_MS);
    };
    tick();
  }

  async function downloadLog(e) {
    if (!token) return; // the plain link works without a bearer token
    e.preventDefault();
    var res = await fetch("/api/log?" + query, { headers: headers() });
    if (!res.ok) { alert("Download failed: " + (await res.text())); return; }
    var m = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") || "");
    var url = URL.createObjectURL(await res.blob());
    var a = document.createElement("a");
    a.href = url;
    a.download = m ? m[1] : "sigma-run.log";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  async function retry() {
    var button = $("retry");
    button.disabled = true;
    $("retry-error").textContent = "";
    try {
      var res = await fetch("/api/retry?" + query, { method: "POST", headers: headers() });
      if (!res.ok) throw new Error(await res.text() || "HTTP " + res.status);
      var body = await res.json();
      if (params.get("run") && body.runId) {
        // A run page follows the new run; a portfolio page follows it by itself.
        location.search = "?run=" + encodeURIComponent(body.runId);
      }
    } catch (err) {
      $("retry-error").textContent = "Retry failed: " + (err && err.message ? err.message : err);
    } finally {
      button.disabled = false;
    }
  }

  function show(id) {
    ["screen-help", "screen-notfound", "screen-running", "screen-completed", "screen-failed"].forEach(function (s) {
      $(s).hidden = s !== id;
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function bar(fraction, label) {
    var outer = el("div", "bar");
    outer.setAttribute("role", "progressbar");
    outer.setAttribute("aria-valuemin", "0");
    outer.setAttribute("aria-valuemax", "100");
    outer.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    if (label) outer.setAttribute("aria-label", label);
    var inner = el("div", "fill");
    inner.style.width = (fraction * 100).toFixed(1) + "%";
    outer.appendChild(inner);
    return outer;
  }

  function phaseList(vm, target) {
    target.replaceChildren();
    vm.phases.forEach(function (p) {
      var li = el("li", "phase " + p.kind);
      var icon = el("span", "icon", p.icon);
      if (p.kind === "running") icon.appendChild(el("span", "spinner"));
      icon.setAttribute("aria-label", p.kind);
      li.appendChild(icon);
      li.appendChild(el("span", "name", p.name));
      li.appendChild(el("span", "duration", p.duration));
      if (p.kind === "running" && p.fraction !== null) {
        var progress = el("div", "phase-progress");
        progress.appendChild(bar(p.fraction, p.name));
        progress.appendChild(el("span", "count", p.current + " / " + p.total + " " + p.unit));
        li.appendChild(progress);
      }
      if (p.summary) li.appendChild(el("div", "summary", p.summary));
      target.appendChild(li);
    });
  }

  function render(fresh) {
    var vm = viewModel(last, (Date.now() - receivedAt) / 1000);
    $("state").textContent = vm.stateLabel;
    $("state").className = "badge " + vm.screen;
    $("elapsed").textContent = vm.elapsed ? "Elapsed " + vm.elapsed : "";
    $("run-id").textContent = vm.runId ? "run " + vm.runId : "";
    if (vm.screen === "notfound") { show("screen-notfound"); return; }
    show("screen-" + vm.screen);
    if (vm.screen === "running") {
      $("slow").hidden = !vm.slow;
      $("overall-text").textContent = "Step " + Math.min(vm.phasesCompleted + 1, vm.phasesTotal) + " of " +
        vm.phasesTotal + " \u00B7 " + vm.percent + "%";
      $("overall").replaceChildren(bar(vm.percent / 100, "overall progress"));
      phaseList(vm, $("phases"));
      if (fresh) renderLog(vm);
    } else if (vm.screen === "completed") {
      $("done-elapsed").textContent = "Finished in " + vm.elapsed;
      $("done-reason").textContent = vm.errorSummary;
      phaseList(vm, $("done-phases"));
      var warnings = $("done-warnings");
      warnings.replaceChildren();
      vm.warnings.forEach(function (w) { warnings.appendChild(el("li", "warn", w)); });
      $("done-warnings-box").hidden = vm.warnings.length === 0;
    } else {
      $("failed-title").textContent = vm.stateLabel === "Cancelled" ? "The analysis was cancelled" : "The analysis failed";
      $("failed-reason").textContent = vm.errorSummary;
      var done = $("failed-completed");
      done.replaceChildren();
      vm.completed.forEach(function (p) { done.appendChild(el("li", "done", "\u2713 " + p.name + (p.summary ? " \u2014 " + p.summary : ""))); });
      if (vm.completed.length === 0) done.appendChild(el("li", "muted", "No step completed."));
      phaseList(vm, $("failed-phases"));
    }
  }

  function renderLog(vm) {
    var box = $("log");
    var key = vm.log.map(function (l) { return l.text; }).join("\n");
    if (key === logKey) return;
    logKey = key;
    var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 8;
    box.replaceChildren();
    vm.log.forEach(function (l) { box.appendChild(el("div", "line " + l.level, l.text)); });
    // Follow new lines unless the reader scrolled up to read something.
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

if (typeof document !== "undefined" && typeof window !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
}
`;
