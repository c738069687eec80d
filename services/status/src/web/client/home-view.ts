/** The bare root URL: the caller's portfolios (with watermark lag) and recent runs. */
import { api } from "./api.js";
import { h, table } from "./dom.js";
import type { HomeJson } from "./types.js";

/** Renders the home screen into `root`. */
export async function homeView(root: HTMLElement): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading\u2026"));
  const home = await api<HomeJson>("/api/home");
  const names = new Map(home.portfolios.map((p) => [p.id, p.name]));
  root.replaceChildren(
    h("h1", {}, "Your portfolios"),
    home.portfolios.length
      ? table(
          "Portfolios",
          ["Name", "Owner", "Stored through", "Behind (trading days)", "Status"],
          home.portfolios.map((p) => [
            h("a", { href: `/portfolios/${encodeURIComponent(p.id)}` }, p.name || p.id),
            p.owner,
            p.watermarkDate || "nothing yet",
            p.lagTradingDays === null ? "\u2013" : String(p.lagTradingDays),
            h("a", { href: `/?portfolio=${encodeURIComponent(p.id)}` }, "latest run"),
          ]),
          { id: "portfolios-table" },
        )
      : h("p", { id: "no-portfolios" }, "No portfolio yet. ", h("a", { href: "/onboard" }, "Onboard one from a CSV file"), "."),
    h("p", {}, h("a", { class: "button", href: "/onboard" }, "Onboard a portfolio")),
    h("h2", {}, "Recent runs"),
    home.runs.length
      ? table(
          "Recent runs",
          ["Run", "Portfolio", "Status", "Started", "Warnings"],
          home.runs.map((r) => [
            h("a", { href: `/?run=${encodeURIComponent(r.runId)}` }, r.runId.slice(0, 8)),
            r.portfolioIds.length ? r.portfolioIds.map((id) => names.get(id) ?? id).join(", ") : "universe",
            h("span", { class: `status ${r.status.replace(/ /g, "-")}` }, r.status),
            r.startedAt ? r.startedAt.replace("T", " ").slice(0, 19) : "\u2013",
            String(r.warnings),
          ]),
          { id: "runs-table" },
        )
      : h("p", { class: "muted" }, "No run yet."),
    h("p", { class: "muted" }, `Lag counts trading days up to ${home.targetDate}.`),
  );
}
