import { readFile, stat } from "node:fs/promises";
import type { Command } from "commander";
import { type ImportError, ImportErrorCodeSchema, type Run } from "@sigma/contracts";
import type { Cli } from "../context.js";
import { type FieldNames, flagged } from "../errors.js";
import { followRun } from "../follow.js";
import { runJson } from "../json.js";
import { CliError, type Output, UsageError } from "../output.js";
import { parseAmount } from "../validate.js";
import { enumWord } from "../words.js";
import { finish } from "./runs.js";

/** Largest CSV `onboard` sends (the snapshot service refuses larger files with file_too_large). */
export const MAX_CSV_BYTES = 10 * 1024 * 1024;

// Only names that cannot occur as plain words in a message ("name" and "csv" could).
const FIELDS: FieldNames = { starting_equity: "--equity" };

/**
 * One import problem as a line: `row R, column C: CODE message`, or `file: CODE message` for a
 * problem of the whole file (row 0 or no column).
 */
export function importErrorLine(e: ImportError): string {
  const where = e.row > 0 && e.column ? `row ${e.row}, column ${e.column}` : e.row > 0 ? `row ${e.row}` : "file";
  return `${where}: ${enumWord(ImportErrorCodeSchema, e.code)} ${e.message}`;
}

/** The CSV bytes of `file`; a missing, unreadable or oversized file is a usage error naming it. */
async function readCsv(file: string): Promise<Uint8Array> {
  const why = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new UsageError(`${file}: not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${file}: ${why(err)}`);
  }
  // Refused here so a huge file is never sent only to be rejected by the service.
  if (size > MAX_CSV_BYTES)
    throw new UsageError(`${file}: ${size} bytes is larger than the ${MAX_CSV_BYTES}-byte (10 MB) limit of a portfolio CSV`);
  try {
    return await readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${why(err)}`);
  }
}

function importErrorJson(e: ImportError) {
  return { row: e.row, column: e.column, code: enumWord(ImportErrorCodeSchema, e.code), message: e.message };
}

/** Prints every import problem and fails (exit 1): nothing was stored. */
function rejected(file: string, errors: readonly ImportError[], out: Output): never {
  for (const e of errors) out.say(importErrorLine(e));
  if (out.json) out.printJson({ portfolio_id: null, run_id: null, errors: errors.map(importErrorJson) });
  throw new CliError(`${file} rejected: ${errors.length} problem(s), nothing stored`);
}

/** `sigma onboard FILE --name NAME`: import a portfolio CSV and follow its backfill run. */
export function onboardCommand(program: Command, cli: Cli): void {
  program
    .command("onboard")
    .description("import a portfolio CSV and follow its backfill run (exit 1 if the file is rejected or the run fails)")
    .argument("<file>", "the portfolio CSV (at most 10 MB)")
    .requiredOption("--name <name>", "the portfolio's name")
    .option("--equity <amount>", "starting equity in dollars (default: the net entry value of the first date's positions)")
    .option("--detach", "return as soon as the backfill run has started", false)
    .action(async (file: string, o: { name: string; equity?: string; detach: boolean }, cmd: Command) => {
      const out = cli.output(cmd);
      if (!o.name.trim()) throw new UsageError("--name: empty");
      const startingEquity = o.equity !== undefined ? parseAmount(o.equity, "--equity") : undefined;
      const csv = await readCsv(file);
      const res = await flagged(FIELDS, () => cli.clients().coordinator.onboardPortfolio({ csv, name: o.name, startingEquity }));
      if (res.errors.length > 0) rejected(file, res.errors, out);
      if (!res.portfolioId || !res.runId) {
        throw new CliError(`the coordinator accepted ${file} but returned no ${res.portfolioId ? "run" : "portfolio"} id`);
      }
      const ids = { portfolio_id: res.portfolioId, run_id: res.runId };
      out.say(`portfolio ${res.portfolioId} imported from ${file}; backfill run ${res.runId} started`);
      if (o.detach) {
        if (out.json) out.printJson(ids);
        return;
      }
      const run = await followRun(cli, out, res.runId, { progress: true });
      finish(run, out, (r: Run) => ({ ...ids, run: runJson(r) }));
    });
}
