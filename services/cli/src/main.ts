import { Command, Option } from "commander";
import { runCommands } from "./commands/runs.js";
import { devCommand } from "./commands/dev.js";
import { dataCommands } from "./commands/data.js";
import { factorCommands } from "./commands/factors.js";
import { statusCommand } from "./commands/status.js";
import { CliError, describeError } from "./output.js";

// The `sigma` command: one module per command group; every command reads its service addresses
// from the environment (SIGMA_URL, SIGMA_MARKET_DATA_URL, SIGMA_STATUS_URL).
const program = new Command()
  .name("sigma")
  .description("Sigma: portfolio risk analytics batch platform")
  .showHelpAfterError()
  .addOption(new Option("--json", "print machine-readable JSON on stdout").default(false));

devCommand(program);
runCommands(program);
statusCommand(program);
dataCommands(program);
factorCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = err instanceof CliError ? err.exitCode : 2;
  process.stderr.write(`sigma: ${describeError(err)}\n`);
  process.exitCode = code;
}
