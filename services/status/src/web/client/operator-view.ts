/**
 * The operator page (admin): recent runs with status, duration, counters and problems;
 * per-portfolio watermarks and lag; start a run (forced range, dry run); cancel a run.
 */
import { api, errorText } from "./api.js";
import { h, table } from "./dom.js";
import { formatDuration } from "./format.js";
import type { OperatorJson, RunBatchJson, RunJson } from "./types.js";

function runDuration(r: RunJson): string {
  if (!r.startedAt) return "\u2013";
  const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
  return formatDuration((end - Date.parse(r.startedAt)) / 1000);
}

function countersText(r: RunJson): string {
  return r.phases
    .filter((p) => p.counters)
    .map((p) => {
      const c = p.counters!;
      const skipped = c.skipped.reduce((n, s) => n + Number(s.count), 0);
      return `${p.phase.replace(/^PHASE_/, "").toLowerCase()}: ${c.inputs} in, ${c.outputs} out${skipped ? `, ${skipped} skipped` : ""}`;
    })
    .join("; ");
}

/** Renders the operator page into `root`. */
export async function operatorView(root: HTMLElement): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading\u2026"));
  const data = await api<OperatorJson>("/api/operator/runs?limit=30");
  const result = h("div", { id: "run-result", role: "status", "aria-live": "polite" });

  const scope = h(
    "select",
    { id: "run-scope" },
    h("option", { value: "" }, "Every portfolio and the symbol universe"),
    ...data.portfolios.map((p) => h("option", { value: p.id }, `${p.name} (${p.owner})`)),
  );
  const force = h("input", { id: "run-force", type: "checkbox" });
  const from = h("input", { id: "run-from", type: "date" });
  const to = h("input", { id: "run-to", type: "date" });
  const dry = h("input", { id: "run-dry", type: "checkbox" });
  const start = h("button", { type: "submit", id: "run-start" }, "Start");
  const form = h(
    "form",
    {
      id: "run-form",
      class: "inline-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        start.disabled = true;
        result.textContent = "Starting\u2026";
        try {
          const r = await api<RunBatchJson>("/api/operator/run", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({
              portfolioId: scope.value,
              forceRerun: force.checked,
              startDate: from.value,
              endDate: to.value,
              dryRun: dry.checked,
            }),
          });
          if (r.dryRun)
            result.textContent = `Dry run: ${r.cells.length} (portfolio, date) cells from ${r.startDate} to ${r.endDate} would be computed.`;
          else if (r.alreadyUpToDate) result.textContent = `Already up to date (target ${r.targetDate}).`;
          else result.replaceChildren("Started ", h("a", { href: `/?run=${encodeURIComponent(r.runId)}` }, `run ${r.runId}`), ".");
        } catch (err) {
          result.textContent = `Not started: ${errorText(err)}`;
        } finally {
          start.disabled = false;
        }
      },
    },
    h("label", { class: "field" }, "Scope", scope),
    h("label", { class: "check" }, force, " Force rerun"),
    h("label", { class: "field" }, "From", from),
    h("label", { class: "field" }, "To", to),
    h("label", { class: "check" }, dry, " Dry run"),
    start,
  );

  const runs = data.runs.runs;
  root.replaceChildren(
    h("h1", {}, "Operations"),
    h("h2", {}, "Start a run"),
    h("p", { class: "muted" }, "A date range needs Force rerun. Dry run lists what would be computed."),
    form,
    result,
    h("h2", {}, "Portfolios"),
    table(
      `Watermarks (lag in trading days up to ${data.targetDate})`,
      ["Portfolio", "Owner", "Stored through", "Lag"],
      data.portfolios.map((p) => [
        h("a", { href: `/portfolios/${encodeURIComponent(p.id)}` }, p.name),
        p.owner,
        p.watermarkDate || "nothing yet",
        h("span", { class: p.lagTradingDays ? "lag behind" : "lag" }, p.lagTradingDays === null ? "\u2013" : String(p.lagTradingDays)),
      ]),
      { id: "watermarks-table" },
    ),
    h("h2", {}, "Recent runs"),
    table(
      "Recent runs",
      ["Run", "Scope", "Status", "Source", "Started", "Duration", "Dates", "Counters", "Problems", "Action"],
      runs.map((r) => [
        h("a", { href: `/?run=${encodeURIComponent(r.id)}` }, r.id.slice(0, 8)),
        r.scope,
        h(
          "span",
          { class: "status" },
          r.runStatus
            .replace(/^RUN_STATUS_/, "")
            .toLowerCase()
            .replace(/_/g, " "),
        ),
        r.source.replace(/^RUN_SOURCE_/, "").toLowerCase(),
        r.startedAt ? r.startedAt.replace("T", " ").slice(0, 19) : "\u2013",
        runDuration(r),
        `${r.datesCompleted}/${r.datesTotal}${r.datesFailed ? ` (${r.datesFailed} failed)` : ""}`,
        h("span", { class: "small" }, countersText(r)),
        r.problems.length || r.errorSummary
          ? h(
              "details",
              {},
              h("summary", {}, `${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}`),
              r.errorSummary ? h("p", {}, r.errorSummary) : null,
              h("ul", {}, ...r.problems.slice(0, 50).map((p) => h("li", {}, `${p.symbol}: ${p.message}${p.date ? ` (${p.date})` : ""}`))),
            )
          : "none",
        r.runStatus === "RUN_STATUS_RUNNING"
          ? h(
              "button",
              {
                type: "button",
                class: "secondary",
                "aria-label": `Cancel run ${r.id}`,
                onclick: async (e: Event) => {
                  const b = e.target as HTMLButtonElement;
                  b.disabled = true;
                  try {
                    await api(`/api/operator/cancel?run=${encodeURIComponent(r.id)}`, { method: "POST" });
                    await operatorView(root);
                  } catch (err) {
                    b.disabled = false;
                    result.textContent = `Cancel failed: ${errorText(err)}`;
                  }
                },
              },
              "Cancel",
            )
          : "",
      ]),
      { id: "operator-runs-table" },
    ),
  );
}
