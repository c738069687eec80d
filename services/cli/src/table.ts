/** Column alignment: numbers right, text left. */
export type Align = "left" | "right";

/**
 * Lays out a header and rows as aligned columns (two spaces apart, trailing blanks trimmed).
 *
 * @param align - per column; missing entries are "left".
 * @returns one string per line, the header first.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => {
        const cell = cells[i] ?? "";
        return align[i] === "right" ? cell.padStart(w) : cell.padEnd(w);
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const MONEY = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Dollars with thousands separators and cents ("-1,234.50"); "-" when not computable. */
export function money(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "-" : MONEY.format(v);
}

/**
 * A decimal ratio as a percentage: signed for changes ("+1.23%"), plain for shares ("15.17%",
 * `signed: false`); "-" when not computable.
 */
export function percent(v: number | null, opts: { signed?: boolean } = {}): string {
  if (v === null || !Number.isFinite(v)) return "-";
  const p = v * 100;
  return `${p > 0 && opts.signed !== false ? "+" : ""}${p.toFixed(2)}%`;
}

/** A plain number without trailing zeros beyond `digits` decimals ("100", "0.5"); "-" when not computable. */
export function plain(v: number | null, digits = 6): string {
  return v === null || !Number.isFinite(v) ? "-" : String(Number(v.toFixed(digits)));
}
