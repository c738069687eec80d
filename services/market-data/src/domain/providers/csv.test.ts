import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { PRICES_CSV } from "@sigma/testing/paths";
import { CsvFormatError, CsvPriceProvider, parsePriceCsv } from "./csv.js";

const realFile = PRICES_CSV;

describe("CsvPriceProvider on the shared price file", () => {
  const provider = new CsvPriceProvider(realFile);

  it("returns the file's SPY close on 2020-01-23", async () => {
    // The expected value is read from the file itself, not hard-coded.
    const text = await readFile(realFile, "utf8");
    const row = text.split("\n").find((l) => l.startsWith("2020-01-23,SPY,"));
    assert.ok(row, "fixture row missing");
    const expected = Number(row.split(",")[5]);
    const r = await provider.fetchDaily("SPY", "2020-01-23", "2020-01-23");
    assert.equal(r.status, "ok");
    assert.deepEqual(r.status === "ok" && r.bars.map((b) => [b.date, b.close]), [["2020-01-23", expected]]);
    console.log(`diagnostic: csv load took ${provider.loadMillis?.toFixed(1)} ms`);
  });

  it("reports a symbol absent from the file as unavailable", async () => {
    const r = await provider.fetchDaily("GGIPX", "2019-01-01", "2020-01-23");
    assert.deepEqual(r, { status: "unavailable", reason: "not in price file", requests: 0 });
  });

  it("ends AVP on 2020-01-03 (delisted within the file)", async () => {
    const r = await provider.fetchDaily("AVP", "2019-12-01", "2020-01-23");
    assert.ok(r.status === "ok");
    assert.equal(r.bars[r.bars.length - 1]!.date, "2020-01-03");
    const after = await provider.fetchDaily("AVP", "2020-01-06", "2020-01-23");
    assert.deepEqual(after, { status: "ok", bars: [], requests: 0 });
  });

  it("returns bars ascending within the requested range, and normalizes symbols (BRK.B)", async () => {
    const r = await provider.fetchDaily("brk.b", "2019-12-24", "2020-01-06");
    assert.ok(r.status === "ok");
    const dates = r.bars.map((b) => b.date);
    assert.deepEqual(dates, [
      "2019-12-24",
      "2019-12-26",
      "2019-12-27",
      "2019-12-30",
      "2019-12-31",
      "2020-01-02",
      "2020-01-03",
      "2020-01-06",
    ]);
  });

  it("lists the file's symbols", async () => {
    const symbols = await provider.symbols();
    assert.ok(symbols.includes("SPY") && symbols.includes("BRK-B") && !symbols.includes("GGIPX"));
  });
});

describe("parsePriceCsv", () => {
  const header = "date,symbol,open,high,low,close,volume";

  it("accepts columns in any order, CRLF, blank lines, unsorted rows and extra columns", () => {
    const text =
      "Volume,Close,Low,High,Open,Symbol,Date,note\r\n" +
      "100,11,9,12,10,abc,2020-01-03,x\r\n\r\n" +
      "200,10.5,9,11,10,ABC,2020-01-02,y\r\n";
    const idx = parsePriceCsv(text, "t.csv");
    const abc = idx.get("ABC")!;
    assert.deepEqual(abc.dates, ["2020-01-02", "2020-01-03"]);
    assert.deepEqual([...abc.close], [10.5, 11]);
    assert.deepEqual([...abc.volume], [200, 100]);
  });

  it("uses adj_close as the close when present", () => {
    const idx = parsePriceCsv(`${header},adj_close\n2020-01-02,ABC,10,11,9,10.5,100,5.25\n`, "t.csv");
    assert.deepEqual([...idx.get("ABC")!.close], [5.25]);
  });

  it("names the line of a bad row", () => {
    const cases: [string, RegExp][] = [
      [`${header}\n2020-01-02,ABC,10,11,9,10.5,100\n2020-01-03,ABC,10,11,9,oops,100\n`, /t\.csv:3: close is not a number/],
      [`${header}\n2020-01-02,ABC,10,11,9,,100\n`, /t\.csv:2: close is not a number/],
      [`${header}\n2020/01/02,ABC,10,11,9,10,100\n`, /t\.csv:2: date is not YYYY-MM-DD/],
      [`${header}\n2020-01-02,A B,10,11,9,10,100\n`, /t\.csv:2: invalid symbol/],
      [`${header}\n2020-01-02,ABC,10,11\n`, /t\.csv:2: expected at least 7 fields/],
      [
        `${header}\n2020-01-02,ABC,10,11,9,10,100\n2020-01-03,XYZ,1,1,1,1,1\n2020-01-02,abc,10,11,9,10,100\n`,
        /t\.csv:4: duplicate row for ABC on 2020-01-02/,
      ],
    ];
    for (const [text, message] of cases) {
      assert.throws(
        () => parsePriceCsv(text, "t.csv"),
        (err: unknown) => err instanceof CsvFormatError && message.test(err.message),
        message.source,
      );
    }
  });

  it("requires the header columns", () => {
    assert.throws(() => parsePriceCsv("date,symbol,close\n2020-01-02,ABC,1\n", "t.csv"), /t\.csv:1: header lacks column "open"/);
  });
});

describe("CsvPriceProvider loading", () => {
  it("fails the fetch with the format error and loads the corrected file on the next call", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sigma-csv-"));
    try {
      const file = path.join(dir, "p.csv");
      await writeFile(file, "date,symbol,open,high,low,close,volume\n2020-01-02,ABC,1,1,1,x,1\n");
      const p = new CsvPriceProvider(file);
      await assert.rejects(p.fetchDaily("ABC", "2020-01-01", "2020-01-31"), CsvFormatError);
      await writeFile(file, "date,symbol,open,high,low,close,volume\n2020-01-02,ABC,1,1,1,2,1\n");
      const r = await p.fetchDaily("ABC", "2020-01-01", "2020-01-31");
      assert.ok(r.status === "ok" && r.bars.length === 1 && r.bars[0]!.close === 2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
