/**
 * The portfolio page (`/portfolios/ID[?date=D]`): NAV and cumulative P&L chart, positions, factor
 * exposures (bar chart + table with coverage), volatility, correlation heat map with clusters,
 * and the stress table. Risk sections the risk service has not computed read "not computed yet".
 */
import { api } from "./api.js";
import { betaBars, heatMap, navChart } from "./charts.js";
import { type Child, h, num, table } from "./dom.js";
import { formatMoney, formatNumber, formatPct } from "./format.js";
import {
  clusterNames,
  exclusionLabel,
  factorName,
  pickableDates,
  priceStatusLabel,
  stressRows,
  trendLabel,
  volatilityCells,
} from "./portfolio-model.js";
import type { PortfolioPageJson, RiskReportJson, SectionJson } from "./types.js";

function sectionBox(id: string, title: string, ...children: Child[]): HTMLElement {
  return h("section", { id, class: "card", "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), ...children);
}

function notComputed<T>(s: SectionJson<T>, what: string): HTMLElement {
  const text =
    s.state === "not_computed"
      ? `${what}: not computed yet. The risk analytics appear here once the risk service has computed them for this portfolio.`
      : `${what} could not be loaded: ${s.state === "error" ? s.message : ""}`;
  return h("p", { class: "notice not-computed", "data-state": s.state }, text);
}

/** Renders the portfolio page into `root`. */
export async function portfolioView(root: HTMLElement, id: string, date: string): Promise<void> {
  root.replaceChildren(h("p", { class: "muted" }, "Loading portfolio\u2026"));
  const q = `/api/portfolio?id=${encodeURIComponent(id)}${date ? `&date=${encodeURIComponent(date)}` : ""}`;
  const page = await api<PortfolioPageJson>(q);
  const p = page.portfolio.portfolio;
  const snaps = page.snapshots.snapshots;
  const dates = pickableDates(page);
  const shown = date || page.positions.date || dates[0] || "";
  document.title = `Sigma · ${p.name}`;

  const picker = h(
    "select",
    {
      id: "date-picker",
      onchange: (e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        history.pushState(null, "", `/portfolios/${encodeURIComponent(id)}${v ? `?date=${encodeURIComponent(v)}` : ""}`);
        void portfolioView(root, id, v);
      },
    },
    h("option", { value: "", selected: !date }, "Latest"),
    ...dates.map((d) => h("option", { value: d, selected: d === date }, d)),
  );
  const last = snaps[snaps.length - 1];
  const header = h(
    "header",
    { class: "page-head" },
    h("h1", {}, p.name, " ", h("span", { class: "muted" }, p.id)),
    h(
      "div",
      { class: "controls" },
      h("label", { for: "date-picker" }, "Date "),
      picker,
      h("a", { href: `/?portfolio=${encodeURIComponent(id)}` }, "Latest run"),
    ),
    h(
      "p",
      { class: "muted" },
      `Owner ${p.owner} · first entry ${p.firstEntryDate} · stored through ${p.watermarkDate || "(nothing yet)"}`,
      last ? ` · NAV ${formatMoney(last.nav)} · cumulative P&L ${formatMoney(last.cumulativePnl)}` : "",
    ),
  );

  const navBox = h("div", { class: "chart", id: "nav-chart", role: "img", "aria-label": "NAV and cumulative P&L over time" });
  const navSection = sectionBox(
    "nav",
    "NAV and cumulative P&L",
    snaps.length ? navBox : h("p", { class: "muted" }, "No snapshot stored yet."),
  );

  const pv = page.positions;
  const positions = sectionBox(
    "positions",
    `Positions${pv.date ? ` on ${pv.date}` : ""}`,
    pv.values.length
      ? table(
          `Positions on ${pv.date}`,
          ["Symbol", "Class", "Price status", "Quantity", "Last price", "Market value", "Weight", "Unrealized P&L"],
          pv.values.map((v) => [
            v.symbol,
            classLabel(v.investmentClass),
            priceStatusLabel(v.priceStatus),
            num(String(v.quantity), v.quantity, "quantity"),
            num(formatMoney(v.lastPrice), v.lastPrice, "last_price"),
            num(formatMoney(v.marketValue), v.marketValue, "market_value"),
            num(formatPct(v.weight), v.weight, "weight"),
            num(formatMoney(v.unrealizedPnl), v.unrealizedPnl, "unrealized_pnl"),
          ]),
          { id: "positions-table", "data-date": pv.date },
        )
      : h("p", { class: "muted" }, "No position values stored for this date."),
  );

  const risk = page.risk;
  const exposures = sectionBox("exposures", "Factor exposures", ...exposureParts(risk));
  const vol = sectionBox("volatility", "Volatility", ...volatilityParts(risk));
  const corr = sectionBox("correlations", "Correlations", ...correlationParts(risk));
  const stress = sectionBox(
    "stress",
    "Stress tests",
    ...(page.stress.state === "ok"
      ? [
          h(
            "p",
            { class: "muted" },
            `On ${page.stress.data.date}, NAV ${formatMoney(page.stress.data.nav)}. Losses beyond NAV are flagged.`,
          ),
          table(
            `Stress scenarios on ${page.stress.data.date}`,
            ["Scenario", "Direct", "Direct % of NAV", "Correlated", "Correlated % of NAV", "Loss beyond NAV"],
            stressRows(page.stress.data, page.scenarios).map((r) => [
              h("span", { "data-scenario": r.id }, r.name),
              num(formatMoney(r.direct), r.direct, "direct_impact"),
              num(`${(r.directPct * 100).toFixed(2)}%`, r.directPct, "direct_pct_of_nav"),
              num(r.correlated === null ? "n/a" : formatMoney(r.correlated), r.correlated, "correlated_impact"),
              num(r.correlatedPct === null ? "n/a" : `${(r.correlatedPct * 100).toFixed(2)}%`, r.correlatedPct, "correlated_pct_of_nav"),
              r.lossBeyondNav || r.correlatedLossBeyondNav
                ? h("strong", { class: "flag", "data-flag": "loss-beyond-nav" }, r.lossBeyondNav ? "\u26A0 direct" : "\u26A0 correlated")
                : "",
            ]),
            { id: "stress-table" },
          ),
        ]
      : [notComputed(page.stress, "Stress results")]),
  );

  root.replaceChildren(header, navSection, positions, exposures, vol, corr, stress);
  // Charts measure their container: draw after the sections are in the document.
  if (snaps.length) {
    navChart(
      navBox,
      snaps.map((s) => s.date),
      snaps.map((s) => s.nav),
      snaps.map((s) => s.cumulativePnl),
    );
  }
  if (risk.state === "ok") {
    const box = document.getElementById("beta-chart");
    if (box && risk.data.exposures.length) {
      betaBars(
        box,
        risk.data.exposures.map((e) => factorName(e.factor)),
        risk.data.exposures.map((e) => (e.noCoverage ? null : e.beta)),
      );
    }
    const c = risk.data.correlations;
    const hm = document.getElementById("heatmap");
    if (hm && c?.included.length) heatMap(hm, c.included, c.matrix);
  }
  root.dataset.shownDate = shown;
}

function classLabel(c: string): string {
  const t = c.replace(/^INVESTMENT_CLASS_/, "").toLowerCase();
  return t === "unspecified" || t === "" ? "\u2013" : t;
}

function exposureParts(risk: SectionJson<RiskReportJson>): Child[] {
  if (risk.state !== "ok") return [notComputed(risk, "Factor exposures")];
  const r = risk.data;
  return [
    h("p", { class: "muted" }, `On ${r.date}, NAV ${formatMoney(r.nav)}.`),
    r.dataQualityFailure
      ? h("p", { class: "notice", role: "alert" }, "Data-quality failure: eligible positions have no factor beta on this date.")
      : null,
    h("div", { class: "chart", id: "beta-chart", role: "img", "aria-label": "Portfolio beta per factor (bar chart)" }),
    table(
      `Factor exposures on ${r.date}`,
      ["Factor", "Beta", "Dollar exposure", "Positions covered", "Coverage by count", "Coverage by value"],
      r.exposures.map((e) => [
        h("span", { "data-factor": e.factor }, factorName(e.factor)),
        e.noCoverage
          ? h("span", { class: "flag", "data-field": "beta", "data-value": "" }, "no coverage")
          : num(formatNumber(e.beta, 3), e.beta, "beta"),
        num(formatMoney(e.dollarExposure), e.dollarExposure, "dollar_exposure"),
        `${e.positionsCovered} / ${e.positionsEligible}`,
        num(formatPct(e.coverageByCount, 0), e.coverageByCount, "coverage_by_count"),
        num(formatPct(e.coverageByValue, 0), e.coverageByValue, "coverage_by_value"),
      ]),
      { id: "exposures-table" },
    ),
  ];
}

function volatilityParts(risk: SectionJson<RiskReportJson>): Child[] {
  if (risk.state !== "ok") return [notComputed(risk, "Volatility")];
  const r = risk.data;
  const headers = ["Series", "RV 21d", "RV 63d", "HAR 1d", "HAR 21d", "Percentile", "Trend"];
  const fields = ["realized_vol_21d", "realized_vol_63d", "har_h1", "har_h21", "percentile"];
  const row = (label: string, s: RiskReportJson["portfolioVolatility"]): Child[] => [
    label,
    ...volatilityCells(s).map((v, i) => num(formatPct(v ?? null, 1), v ?? null, fields[i])),
    s?.trend && s.trend !== "VOL_TREND_UNSPECIFIED"
      ? `${trendLabel(s.trend)}${s.trendSlope !== undefined ? ` (${(s.trendSlope * 100).toFixed(3)} pp/day)` : ""}`
      : trendLabel(s?.trend),
  ];
  return [
    h(
      "p",
      { class: "muted" },
      "Annualized. RV: realized volatility; HAR: heterogeneous autoregressive forecasts (next day, next 21 days).",
    ),
    table(
      `Volatility on ${r.date}`,
      headers,
      [row("Portfolio", r.portfolioVolatility), ...r.positionVolatility.map((p) => row(p.symbol, p.stats))],
      { id: "volatility-table" },
    ),
  ];
}

function correlationParts(risk: SectionJson<RiskReportJson>): Child[] {
  if (risk.state !== "ok") return [notComputed(risk, "Correlations")];
  const c = risk.data.correlations;
  if (!c) return [h("p", { class: "muted" }, "No correlation analysis stored for this date.")];
  const clusters = clusterNames(risk.data);
  return [
    h(
      "p",
      { class: "muted" },
      `${c.included.length} positions · average |ρ| ${formatNumber(c.avgAbsCorr ?? null, 2)} · diversification ratio ${formatNumber(c.diversificationRatio ?? null, 2)}`,
      c.psdRepaired ? " · matrix repaired to be positive semi-definite" : "",
    ),
    h("div", { class: "chart heatmap", id: "heatmap" }),
    h("h3", {}, "Clusters (|ρ| ≥ 0.7)"),
    clusters.length ? h("ul", { id: "clusters" }, ...clusters.map((x) => h("li", {}, x))) : h("p", { class: "muted" }, "No cluster."),
    c.excluded.length
      ? table(
          "Left out of the matrix",
          ["Symbol", "Reason", "Returns"],
          c.excluded.map((e) => [e.symbol, exclusionLabel(e.reason), String(e.nReturns)]),
        )
      : null,
  ];
}
