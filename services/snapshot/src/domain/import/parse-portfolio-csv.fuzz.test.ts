import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ImportErrorCode, InvestmentClass } from "@sigma/contracts";
import { MAX_ABS_NUMBER, SYMBOL_PATTERN } from "./field-values.js";
import { MAX_ECHO_CHARS } from "./import-problem.js";
import { MAX_IMPORT_BYTES, type ParsePortfolioCsvResult, parsePortfolioCsv } from "./parse-portfolio-csv.js";
import { PORTFOLIO_COLUMNS } from "./portfolio-columns.js";

const portfolios = join(process.env.SIGMA_SHARED_DIR ?? "/work/shared", "data", "portfolios");
const SAMPLES = ["balanced-5m.csv", "long-short.csv", "private-and-options.csv"].map((name) =>
  readFileSync(join(portfolios, name), "utf8"),
);
const TODAY = "2020-01-23";
const CODES = new Set(
  Object.values(ImportErrorCode).filter((v): v is ImportErrorCode => typeof v === "number" && v !== ImportErrorCode.UNSPECIFIED),
);
const CLASSES = new Set([InvestmentClass.PUBLIC, InvestmentClass.OPTIONS, InvestmentClass.PRIVATE]);
const COLUMNS = new Set<string>(["", ...PORTFOLIO_COLUMNS]);

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  "1e308",
  "-1e400",
  "9".repeat(400),
  "Infinity",
  "NaN",
  "0x1F",
  "1,000",
  '"',
  '""',
  "",
  " ",
  "-0",
  "2019-02-30",
  "9999-99-99",
  "\uFEFF",
  "é",
  "\u0000",
  "#",
  "OPTIONS",
  "PRIVATE",
  "SPY191220C00250000",
];

type Mutation = (text: string, rnd: () => number) => string;
const pick = <T>(items: readonly T[], rnd: () => number): T => items[Math.floor(rnd() * items.length)] as T;
const lines = (text: string) => text.split("\n");

const MUTATIONS: Record<string, Mutation> = {
  truncate: (t, r) => t.slice(0, Math.floor(r() * t.length)),
  deleteLine: (t, r) => {
    const ls = lines(t);
    ls.splice(Math.floor(r() * ls.length), 1);
    return ls.join("\n");
  },
  duplicateLine: (t, r) => {
    const ls = lines(t);
    const i = Math.floor(r() * ls.length);
    ls.splice(i, 0, ls[i] ?? "");
    return ls.join("\n");
  },
  swapColumns: (t, r) => {
    const a = Math.floor(r() * 12);
    const b = Math.floor(r() * 12);
    return lines(t)
      .map((l) => {
        if (l.startsWith("#")) return l;
        const f = l.split(",");
        [f[a], f[b]] = [f[b] ?? "", f[a] ?? ""];
        return f.join(",");
      })
      .join("\n");
  },
  replaceCell: (t, r) => {
    const ls = lines(t);
    const i = Math.floor(r() * ls.length);
    const f = (ls[i] ?? "").split(",");
    f[Math.floor(r() * f.length)] = pick(NASTY, r);
    ls[i] = f.join(",");
    return ls.join("\n");
  },
  insertChars: (t, r) => {
    const at = Math.floor(r() * t.length);
    return t.slice(0, at) + pick([",", '"', "\n", "\r", "\r\n", "#", " ", "\t", "\uFFFD", "💥"], r) + t.slice(at);
  },
  crlf: (t) => t.replaceAll("\n", "\r\n"),
  hugeCell: (t, r) => {
    const ls = lines(t);
    const i = 1 + Math.floor(r() * (ls.length - 1));
    ls[i] = `${"Z".repeat(2000 + Math.floor(r() * 50_000))},${ls[i] ?? ""}`;
    return ls.join("\n");
  },
};

/** Byte-level damage (invalid UTF-8, NULs, random bytes) applied after encoding. */
function damageBytes(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const out = Uint8Array.from(bytes);
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n && out.length > 0; k++) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  return out;
}

/** The invariants every outcome must satisfy, whatever the input. */
function assertWellFormed(result: ParsePortfolioCsvResult, lineCount: number, context: string): void {
  if (result.ok) {
    assert.ok(result.positions.length > 0, context);
    for (const p of result.positions) {
      assert.match(p.originalSymbol, SYMBOL_PATTERN, context);
      assert.equal(p.symbol, p.originalSymbol.toUpperCase(), context);
      assert.ok(Number.isFinite(p.quantity) && p.quantity !== 0 && Math.abs(p.quantity) <= MAX_ABS_NUMBER, context);
      assert.ok(Number.isFinite(p.entryPrice) && p.entryPrice > 0, context);
      assert.ok(p.entryDate <= TODAY && p.entryDate >= result.firstEntryDate, context);
      assert.ok(CLASSES.has(p.investmentClass), context);
      assert.ok(p.row >= 1 && p.row <= lineCount, context);
      if (p.exitDate !== undefined) assert.ok(p.exitDate >= p.entryDate && p.exitDate <= TODAY, context);
      if (p.investmentClass === InvestmentClass.OPTIONS) assert.ok(p.strikePrice !== undefined && p.strikePrice > 0, context);
    }
    return;
  }
  assert.ok(result.errors.length > 0, context);
  for (const e of result.errors) {
    assert.ok(CODES.has(e.code), `${context}: code ${e.code}`);
    assert.ok(Number.isInteger(e.row) && e.row >= 0 && e.row <= lineCount, `${context}: row ${e.row} of ${lineCount}`);
    // A cell of an unknown column can only be named for an encoding problem.
    assert.ok(COLUMNS.has(e.column) || e.code === ImportErrorCode.INVALID_ENCODING, `${context}: column ${e.column}`);
    assert.ok(e.message.length > 0 && e.message.length <= 3 * MAX_ECHO_CHARS + 300, `${context}: message of ${e.message.length} chars`);
  }
}

function lineCountOf(bytes: Uint8Array): number {
  return new TextDecoder().decode(bytes).split(/\r\n|\n|\r/).length;
}

test("a few thousand mutated sample CSVs never throw and always give positions or well-formed problems", () => {
  const rnd = prng(20200123);
  const names = Object.keys(MUTATIONS);
  const outcomes = { ok: 0, rejected: 0 };
  const seenCodes = new Set<ImportErrorCode>();
  for (let i = 0; i < 3000; i++) {
    let text = pick(SAMPLES, rnd);
    const applied: string[] = [];
    const count = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < count; k++) {
      const name = pick(names, rnd);
      applied.push(name);
      text = (MUTATIONS[name] as Mutation)(text, rnd);
    }
    let bytes: Uint8Array = new TextEncoder().encode(text);
    if (rnd() < 0.15) {
      applied.push("damageBytes");
      bytes = damageBytes(bytes, rnd);
    }
    const context = `case ${i} (${applied.join("+")})`;
    let result: ParsePortfolioCsvResult | undefined;
    assert.doesNotThrow(() => {
      result = parsePortfolioCsv(bytes, { today: TODAY });
    }, context);
    assertWellFormed(result as ParsePortfolioCsvResult, lineCountOf(bytes), context);
    if (result?.ok) outcomes.ok++;
    else {
      outcomes.rejected++;
      for (const e of result?.errors ?? []) seenCodes.add(e.code);
    }
  }
  // The mutations must exercise both outcomes and a broad range of codes, or the test proves little.
  assert.ok(outcomes.ok > 100 && outcomes.rejected > 1000, JSON.stringify(outcomes));
  assert.ok(seenCodes.size >= 10, `codes seen: ${[...seenCodes].map((c) => ImportErrorCode[c]).join(", ")}`);
});

test("swapping two columns in every line (header included) gives the same positions", () => {
  const rnd = prng(7);
  for (let i = 0; i < 200; i++) {
    const text = pick(SAMPLES, rnd);
    const swapped = (MUTATIONS.swapColumns as Mutation)(text, rnd);
    const a = parsePortfolioCsv(new TextEncoder().encode(text), { today: TODAY });
    const b = parsePortfolioCsv(new TextEncoder().encode(swapped), { today: TODAY });
    assert.deepEqual(b, a, `case ${i}`);
  }
});

test("random bytes never throw", () => {
  const rnd = prng(42);
  for (let i = 0; i < 500; i++) {
    const bytes = Uint8Array.from({ length: Math.floor(rnd() * 600) }, () => Math.floor(rnd() * 256));
    const result = parsePortfolioCsv(bytes, { today: TODAY });
    assertWellFormed(result, lineCountOf(bytes), `random bytes case ${i}`);
  }
});

test("10 MiB + 1 byte is FILE_TOO_LARGE; a file just under the limit with ~200k rows is read whole", () => {
  const header = SAMPLES[1]?.split("\n")[1] ?? "";
  const rows: string[] = [header];
  let size = header.length + 1;
  for (let i = 0; size < MAX_IMPORT_BYTES - 100; i++) {
    const line = `S${i},${(i % 997) + 1},${(i % 89) + 1}.25,2019-01-02,PUBLIC,STOCK,,,,,,`;
    rows.push(line);
    size += line.length + 1;
  }
  const under = new TextEncoder().encode(rows.join("\n"));
  assert.ok(under.length <= MAX_IMPORT_BYTES);
  const result = parsePortfolioCsv(under, { today: TODAY });
  assert.ok(result.ok);
  assert.equal(result.positions.length, rows.length - 1);
  assert.equal(result.positions.at(-1)?.row, rows.length);

  const over = new Uint8Array(MAX_IMPORT_BYTES + 1);
  over.set(under);
  over.fill(0x0a, under.length);
  const tooLarge = parsePortfolioCsv(over, { today: TODAY });
  assert.deepEqual(tooLarge.ok ? [] : tooLarge.errors.map((e) => [e.row, e.column, e.code]), [[0, "", ImportErrorCode.FILE_TOO_LARGE]]);
});
