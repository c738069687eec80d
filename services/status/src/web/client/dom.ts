/** Small typed DOM helpers for the web app's views (no framework: a few screens of tables and charts). */

/** Attributes of {@link h}: strings/numbers become attributes; `text` sets textContent; `on*` functions become listeners. */
export type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>;
/** A child of {@link h}. */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element: `h("a", { href: "/x", class: "link" }, "text")`. `false`/`null`/`undefined`
 * attributes and children are skipped; `true` sets an empty attribute.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === "function") e.addEventListener(k.replace(/^on/, "").toLowerCase(), v);
    else if (k === "text") e.textContent = String(v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
  return e;
}

/** A table with a caption, a header row and body rows (cells are nodes or text). */
export function table(caption: string, headers: readonly string[], rows: readonly Child[][], attrs: Attrs = {}): HTMLElement {
  const t = h(
    "table",
    attrs,
    // The section heading shows the title; the caption names the table for screen readers.
    h("caption", { class: "sr-only" }, caption),
    h("thead", {}, h("tr", {}, ...headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c)))))),
  );
  // Wide tables scroll inside their box on a phone instead of widening the page.
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption }, t);
}

/** A number cell carrying its raw value (`data-value`), so tests and copy-paste see exact figures. */
export function num(text: string, raw: number | null | undefined, field?: string): HTMLElement {
  return h("span", { class: "num", "data-value": raw === null || raw === undefined ? "" : String(raw), "data-field": field }, text);
}
