import { Command, CommanderError, Option } from "commander";
import { dataCommands } from "./commands/data.js";
import { devCommand } from "./commands/dev.js";
import { factorCommands } from "./commands/factors.js";
import { onboardCommand } from "./commands/onboard.js";
import { portfolioCommands } from "./commands/portfolios.js";
import { riskCommands } from "./commands/risk.js";
import { runCommands } from "./commands/runs.js";
import { snapshotCommands } from "./commands/snapshots.js";
import { statusCommand } from "./commands/status.js";
import { tokenCommand } from "./commands/token.js";
import { Cli } from "./context.js";
import { explain } from "./errors.js";
import { type CliIo, EXIT } from "./output.js";

/**
 * The `sigma` command: one module per command group; every command reads its service addresses
 * from the environment (SIGMA_URL, SIGMA_MARKET_DATA_URL, SIGMA_FACTOR_URL, SIGMA_STATUS_URL, SIGMA_SNAPSHOT_URL,
 * SIGMA_RISK_URL).
 */
function buildProgram(cli: Cli): Command {
  const program = new Command()
    .name("sigma")
    .description(
      "Sigma: portfolio risk analytics batch platform (exit codes: 0 ok, 1 run failed or not found, 2 usage or configuration error)",
    )
    // Settings made before the commands are added are inherited by every subcommand.
    .exitOverride()
    .configureOutput({ writeOut: (s) => cli.io.stdout.write(s), writeErr: (s) => cli.io.stderr.write(s) })
    .showHelpAfterError("(add --help for usage)")
    .addOption(new Option("--json", "print machine-readable JSON on stdout").default(false));
  devCommand(program);
  runCommands(program, cli);
  statusCommand(program, cli);
  dataCommands(program, cli);
  factorCommands(program, cli);
  onboardCommand(program, cli);
  portfolioCommands(program, cli);
  snapshotCommands(program, cli);
  riskCommands(program, cli);
  tokenCommand(program, cli);
  return program;
}

/**
 * Runs one `sigma` invocation with the given streams and environment.
 *
 * @param args - the arguments after `sigma` (e.g. `["status", RUN_ID]`).
 * @returns the exit code: 0 ok, 1 the run failed / was cancelled or what was asked for does not
 *   exist, 2 a usage or configuration error (bad option, bad SIGMA_* variable, service unreachable).
 */
export async function runSigma(args: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(new Cli(io));
  try {
    await program.parseAsync([...args], { from: "user" });
    return EXIT.OK;
  } catch (err) {
    // Commander has printed its own message (unknown option, missing argument) or the help.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const { message, exitCode } = explain(err);
    io.stderr.write(`sigma: ${message}\n`);
    return exitCode;
  }
}
