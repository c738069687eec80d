import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { PRICES_CSV } from "@sigma/testing/paths";
import { CsvFormatError, CsvPriceProvider, checkPriceFile, parsePriceCsv } from "./csv.js";

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
      [`${header}\n2020-01-02,ABC,10,11,9,10.5,100\n2020-01-03,ABC,10,11,9,10,100,"unclosed\n`, /t\.csv:3: Quote Not Closed/],
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

  it("parses a file with a BOM, CRLF line ends and quoted fields exactly as the plain file", () => {
    const plain = `${header}\n2020-01-02,BRK.B,10,11,9,10.5,100\n2020-01-03,BRK.B,10,11,9,10.75,200\n2020-01-02,ABC,1,2,0.5,1.5,7\n`;
    const fancy =
      `\uFEFF${header
        .split(",")
        .map((h) => `"${h}"`)
        .join(",")}\r\n` +
      `"2020-01-02","BRK.B","10",11,9,"10.5",100\r\n\r\n` +
      `2020-01-03,"BRK.B",10,11,9,10.75,"200"\r\n` +
      `2020-01-02,ABC,1,2,0.5,1.5,7\r\n`;
    assert.deepEqual(parsePriceCsv(fancy, "t.csv"), parsePriceCsv(plain, "t.csv"));
    assert.deepEqual([...parsePriceCsv(fancy, "t.csv").keys()], ["BRK-B", "ABC"]);
  });

  it("names the line after a quoted field that spans lines", () => {
    const text = `${header},note\n2020-01-02,ABC,1,1,1,1,1,"two\nlines"\n2020-01-02,ABC,1,1,1,1,1,x\n`;
    assert.throws(() => parsePriceCsv(text, "t.csv"), /t\.csv:4: duplicate row for ABC on 2020-01-02/);
  });

  it("keeps rows with unusable prices aside with file:line instead of failing the load", () => {
    const text =
      `${header}\n` +
      "2020-01-02,ABC,10,11,9,10.5,100\n" +
      "2020-01-03,ABC,10,11,9,abc,100\n" +
      "2020-01-06,ABC,10,11,9,-5,100\n" +
      "2020-01-07,ABC,10,11,9,,100\n" +
      "2020-01-08,ABC,10,11,9,Infinity,100\n" +
      "2020-01-09,ABC,10,11,9,0,100\n" +
      "2020-01-10,ABC,10,x,9,10,100\n" +
      "2020-01-02,BAD,1,1,1,-1,1\n";
    const idx = parsePriceCsv(text, "/some/dir/p.csv");
    const abc = idx.get("ABC")!;
    assert.deepEqual(abc.dates, ["2020-01-02"]);
    assert.deepEqual(abc.rejected, [
      { date: "2020-01-03", location: "p.csv:3", problem: 'close is not a number: "abc"' },
      { date: "2020-01-06", location: "p.csv:4", problem: "close -5 is not positive" },
      { date: "2020-01-07", location: "p.csv:5", problem: 'close is not a number: ""' },
      { date: "2020-01-08", location: "p.csv:6", problem: "close Infinity is not finite" },
      { date: "2020-01-09", location: "p.csv:7", problem: "close 0 is not positive" },
      { date: "2020-01-10", location: "p.csv:8", problem: 'high is not a number: "x"' },
    ]);
    // A symbol whose only rows are bad is known to the file but has no bars.
    const bad = idx.get("BAD")!;
    assert.deepEqual([bad.dates, bad.rejected.map((r) => r.problem)], [[], ["close -1 is not positive"]]);
  });

  it("rejects a non-positive adj_close standing in for the close", () => {
    const idx = parsePriceCsv(`${header},adj_close\n2020-01-02,ABC,10,11,9,10.5,100,-1\n`, "t.csv");
    assert.deepEqual(idx.get("ABC")!.rejected, [{ date: "2020-01-02", location: "t.csv:2", problem: "adj_close -1 is not positive" }]);
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
      await writeFile(file, "date,symbol,open,high,low,close,volume\n2020/01/02,ABC,1,1,1,1,1\n");
      const p = new CsvPriceProvider(file);
      await assert.rejects(p.fetchDaily("ABC", "2020-01-01", "2020-01-31"), CsvFormatError);
      await writeFile(file, "date,symbol,open,high,low,close,volume\n2020-01-02,ABC,1,1,1,2,1\n");
      const r = await p.fetchDaily("ABC", "2020-01-01", "2020-01-31");
      assert.ok(r.status === "ok" && r.bars.length === 1 && r.bars[0]!.close === 2);
      assert.equal(r.status === "ok" && r.rejected, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("returns the rejected rows of the requested range with the bars", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sigma-csv-"));
    try {
      const file = path.join(dir, "p.csv");
      await writeFile(
        file,
        "date,symbol,open,high,low,close,volume\n2020-01-02,ABC,1,1,1,2,1\n2020-01-03,ABC,1,1,1,-5,1\n2020-02-03,ABC,1,1,1,-6,1\n",
      );
      const r = await new CsvPriceProvider(file).fetchDaily("ABC", "2020-01-01", "2020-01-31");
      assert.deepEqual(r, {
        status: "ok",
        bars: [{ date: "2020-01-02", open: 1, high: 1, low: 1, close: 2, volume: 1 }],
        requests: 0,
        rejected: [{ date: "2020-01-03", location: "p.csv:3", problem: "close -5 is not positive" }],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("checkPriceFile (start-up check of SIGMA_PRICES=csv:PATH)", () => {
  it("passes a good header in any order and case, with a BOM and quotes, and names every other problem", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sigma-csv-"));
    try {
      const file = path.join(dir, "p.csv");
      assert.match((await checkPriceFile(file)) ?? "", /price file .*p\.csv does not exist/);
      assert.match((await checkPriceFile(dir)) ?? "", /is not a regular file/);
      await writeFile(file, "");
      assert.match(
        (await checkPriceFile(file)) ?? "",
        /the first line is empty, expected the header date,symbol,open,high,low,close,volume/,
      );
      await writeFile(file, "date,symbol,open,high,low,volume\n2020-01-02,ABC,1,1,1,1\n");
      assert.match((await checkPriceFile(file)) ?? "", /p\.csv:1: header lacks column "close"/);
      await writeFile(file, '\uFEFF"Volume",Close,LOW,high,open,Symbol,DATE,extra\r\n1,2,3,4,5,ABC,2020-01-02,x\r\n');
      assert.equal(await checkPriceFile(file), undefined);
      assert.equal(await checkPriceFile(realFile), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
