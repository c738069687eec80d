import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SPECIAL_CLOSURES, easterSunday, holidays } from "./holidays.js";
import { dayOfWeek } from "./iso-date.js";

const dates = (year: number): string[] => holidays(year).map((h) => h.date);

describe("easterSunday", () => {
  it("matches published Easter dates, including the extreme ones", () => {
    const known: Record<number, string> = {
      1818: "1818-03-22", // earliest possible
      1943: "1943-04-25", // latest possible
      2000: "2000-04-23",
      2017: "2017-04-16",
      2018: "2018-04-01",
      2019: "2019-04-21",
      2020: "2020-04-12",
      2024: "2024-03-31",
      2025: "2025-04-20",
      2038: "2038-04-25",
      2285: "2285-03-22",
    };
    for (const [year, easter] of Object.entries(known)) assert.equal(easterSunday(Number(year)), easter, year);
  });

  it("rejects non-integer and out-of-range years", () => {
    assert.throws(() => easterSunday(2020.5), RangeError);
    assert.throws(() => easterSunday(0), RangeError);
    assert.throws(() => easterSunday(10000), RangeError);
  });
});

describe("holidays", () => {
  it("2019 matches the NYSE schedule", () => {
    assert.deepEqual(dates(2019), [
      "2019-01-01",
      "2019-01-21",
      "2019-02-18",
      "2019-04-19",
      "2019-05-27",
      "2019-07-04",
      "2019-09-02",
      "2019-11-28",
      "2019-12-25",
    ]);
  });

  it("2021: Saturday Independence Day and Christmas move to Friday; no Juneteenth yet; New Year 2022 not observed", () => {
    assert.deepEqual(dates(2021), [
      "2021-01-01",
      "2021-01-18",
      "2021-02-15",
      "2021-04-02",
      "2021-05-31",
      "2021-07-05",
      "2021-09-06",
      "2021-11-25",
      "2021-12-24",
    ]);
  });

  it("2022: New Year on Saturday not observed, Sunday Juneteenth and Christmas move to Monday", () => {
    const list = holidays(2022);
    assert.deepEqual(
      list.map((h) => h.date),
      ["2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24", "2022-12-26"],
    );
    assert.equal(list.find((h) => h.date === "2022-06-20")?.name, "Juneteenth National Independence Day (observed)");
  });

  it("2023: Sunday New Year observed on Monday January 2", () => {
    assert.deepEqual(dates(2023), [
      "2023-01-02",
      "2023-01-16",
      "2023-02-20",
      "2023-04-07",
      "2023-05-29",
      "2023-06-19",
      "2023-07-04",
      "2023-09-04",
      "2023-11-23",
      "2023-12-25",
    ]);
  });

  it("2025 includes the Carter day of mourning as a special closure", () => {
    const list = holidays(2025);
    assert.deepEqual(
      list.map((h) => h.date),
      [
        "2025-01-01",
        "2025-01-09",
        "2025-01-20",
        "2025-02-17",
        "2025-04-18",
        "2025-05-26",
        "2025-06-19",
        "2025-07-04",
        "2025-09-01",
        "2025-11-27",
        "2025-12-25",
      ],
    );
    assert.equal(list[1]?.kind, "special_closure");
    assert.equal(list[0]?.kind, "holiday");
  });

  it("2027: Sunday Independence Day -> Monday, Saturday Christmas -> Friday, and 2028's Saturday New Year is not pulled into 2027", () => {
    assert.deepEqual(dates(2027), [
      "2027-01-01",
      "2027-01-18",
      "2027-02-15",
      "2027-03-26",
      "2027-05-31",
      "2027-06-18",
      "2027-07-05",
      "2027-09-06",
      "2027-11-25",
      "2027-12-24",
    ]);
  });

  it("lists only weekdays, ascending, inside the year, for two centuries", () => {
    for (let year = 1900; year <= 2100; year++) {
      const list = dates(year);
      assert.deepEqual([...list].sort(), list, String(year));
      assert.equal(new Set(list).size, list.length, `duplicates in ${year}`);
      for (const d of list) {
        assert.ok(d.startsWith(`${year}-`), d);
        const wd = dayOfWeek(d);
        assert.ok(wd >= 1 && wd <= 5, `${d} is a weekend day`);
      }
    }
  });

  it("includes every special closure, exactly the spec list", () => {
    assert.deepEqual(
      SPECIAL_CLOSURES.map((h) => h.date),
      [
        "1985-09-27",
        "1994-04-27",
        "2001-09-11",
        "2001-09-12",
        "2001-09-13",
        "2001-09-14",
        "2004-06-11",
        "2007-01-02",
        "2012-10-29",
        "2012-10-30",
        "2018-12-05",
        "2025-01-09",
      ],
    );
    for (const s of SPECIAL_CLOSURES) assert.ok(dates(Number(s.date.slice(0, 4))).includes(s.date), s.date);
  });

  it("returns fresh objects: mutating a result does not alter the calendar", () => {
    const first = holidays(2018);
    first.length = 0;
    assert.ok(holidays(2018).some((h) => h.date === "2018-12-05"));
  });
});
