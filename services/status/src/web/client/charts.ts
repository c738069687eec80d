/**
 * The portfolio page's charts: uPlot (bundled from npm, served by this service) for the NAV /
 * P&L line chart and the factor beta bars; the correlation heat map is drawn on a canvas here.
 * Each chart is labelled for screen readers and resizes with its container.
 */
import uPlot from "uplot";
import { formatMoney, formatNumber } from "./format.js";

const resizers: Array<() => void> = [];
let listening = false;

/** Re-fits every chart to its container when the window changes size. */
function onResize(fn: () => void): void {
  resizers.push(fn);
  if (listening) return;
  listening = true;
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const r of resizers) r();
    });
  });
}

function widthOf(box: HTMLElement): number {
  return Math.max(280, Math.floor(box.clientWidth || 600));
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Epoch seconds of a "YYYY-MM-DD" date (UTC midnight: the chart shows dates, not times). */
function dateSeconds(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

/**
 * NAV (left axis) and cumulative P&L (right axis) over the stored dates.
 *
 * @param box - the chart's container (already in the document, so it has a width)
 */
export function navChart(box: HTMLElement, dates: readonly string[], nav: readonly number[], pnl: readonly number[]): uPlot {
  const accent = cssVar("--accent", "#0969da");
  const ok = cssVar("--ok", "#1a7f37");
  const axis = { stroke: cssVar("--fg", "#1f2328"), grid: { stroke: cssVar("--line", "#d0d7de"), width: 1 } };
  const opts: uPlot.Options = {
    width: widthOf(box),
    height: 280,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    scales: { x: { time: true }, nav: {}, pnl: {} },
    series: [
      { label: "Date", value: (_u, v) => (v == null ? "\u2013" : new Date(v * 1000).toISOString().slice(0, 10)) },
      { label: "NAV", scale: "nav", stroke: accent, width: 2, value: (_u, v) => formatMoney(v) },
      { label: "Cumulative P&L", scale: "pnl", stroke: ok, width: 2, dash: [6, 3], value: (_u, v) => formatMoney(v) },
    ],
    axes: [
      { ...axis },
      { ...axis, scale: "nav", size: 70, values: (_u, vals) => vals.map((v) => compactMoney(v)) },
      { ...axis, scale: "pnl", side: 1, size: 70, grid: { show: false }, values: (_u, vals) => vals.map((v) => compactMoney(v)) },
    ],
  };
  const plot = new uPlot(opts, [dates.map(dateSeconds), [...nav], [...pnl]], box);
  onResize(() => plot.setSize({ width: widthOf(box), height: 280 }));
  return plot;
}

/** "1.2M", "350k", "-12k". */
function compactMoney(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(1)}B`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(0)}k`;
  return v.toFixed(0);
}

/**
 * One bar per factor (its beta); bars of factors without coverage are not drawn (null).
 *
 * @param labels - short factor names, in bar order
 */
export function betaBars(box: HTMLElement, labels: readonly string[], betas: ReadonlyArray<number | null>): uPlot {
  const accent = cssVar("--accent", "#0969da");
  const axis = { stroke: cssVar("--fg", "#1f2328"), grid: { stroke: cssVar("--line", "#d0d7de"), width: 1 } };
  const bars = uPlot.paths.bars?.({ size: [0.6, 60], align: 0 });
  const xs = labels.map((_l, i) => i);
  const opts: uPlot.Options = {
    width: widthOf(box),
    height: 300,
    scales: {
      x: { time: false, range: [-0.6, labels.length - 0.4] },
      // Bars grow from zero: the range always includes it, with a little room above and below.
      y: { range: (_u, min, max) => [Math.min(0, min) * 1.1 - 0.05, Math.max(0, max) * 1.1 + 0.05] },
    },
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: "Factor", value: (_u, v) => labels[v] ?? "" },
      {
        label: "Beta",
        stroke: accent,
        fill: `${accent}88`,
        fillTo: 0,
        paths: bars,
        points: { show: false },
        value: (_u, v) => formatNumber(v, 3),
      },
    ],
    axes: [
      {
        ...axis,
        splits: () => xs,
        values: (_u, splits) => splits.map((i) => labels[i] ?? ""),
        rotate: -40,
        size: 90,
        grid: { show: false },
      },
      { ...axis, size: 50, values: (_u, vals) => vals.map((v) => v.toFixed(2)) },
    ],
  };
  const plot = new uPlot(opts, [xs, betas.map((b) => (b === null ? null : b))], box);
  onResize(() => plot.setSize({ width: widthOf(box), height: 300 }));
  return plot;
}

/** Colour of a correlation in [-1, 1]: blue (negative) through the panel colour to red (positive). */
export function corrColor(rho: number): string {
  const t = Math.max(-1, Math.min(1, rho));
  const a = Math.abs(t);
  const [r, g, b] = t >= 0 ? [207, 34, 46] : [9, 105, 218];
  // Mix with light grey so 0 is neutral and the text stays readable.
  const mix = (c: number) => Math.round(235 + (c - 235) * a);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/**
 * The correlation matrix as a canvas heat map with symbol labels and each cell's value (when
 * cells are large enough). Redraws on resize.
 *
 * @param matrix - row-major m × m over `symbols`
 */
export function heatMap(box: HTMLElement, symbols: readonly string[], matrix: readonly number[]): HTMLCanvasElement {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Correlation heat map of ${symbols.length} positions (red positive, blue negative)`);
  box.appendChild(canvas);
  const draw = (): void => {
    const m = symbols.length;
    const labelW = 64;
    const size = Math.min(widthOf(box), 720);
    const cell = Math.max(6, Math.floor((size - labelW) / Math.max(1, m)));
    const w = labelW + cell * m;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = w * ratio;
    canvas.height = (labelW + cell * m) * ratio;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${labelW + cell * m}px`;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.scale(ratio, ratio);
    ctx.font = `${Math.min(12, Math.max(8, cell / 3))}px system-ui, sans-serif`;
    ctx.fillStyle = cssVar("--fg", "#1f2328");
    ctx.textBaseline = "middle";
    for (let i = 0; i < m; i++) {
      const label = symbols[i] ?? "";
      ctx.textAlign = "right";
      ctx.fillText(label, labelW - 4, labelW + i * cell + cell / 2, labelW - 6);
      ctx.save();
      ctx.translate(labelW + i * cell + cell / 2, labelW - 4);
      ctx.rotate(-Math.PI / 3);
      ctx.textAlign = "left";
      ctx.fillText(label, 0, 0, labelW);
      ctx.restore();
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const rho = matrix[i * m + j] ?? 0;
        ctx.fillStyle = corrColor(rho);
        ctx.fillRect(labelW + j * cell, labelW + i * cell, cell - 1, cell - 1);
        if (cell >= 30) {
          ctx.fillStyle = "#1f2328";
          ctx.textAlign = "center";
          ctx.fillText(rho.toFixed(2), labelW + j * cell + cell / 2, labelW + i * cell + cell / 2);
        }
      }
    }
  };
  draw();
  onResize(draw);
  return canvas;
}
