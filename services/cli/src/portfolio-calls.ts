import { Code, ConnectError } from "@connectrpc/connect";
import { type FieldNames, withFields } from "./errors.js";
import { CliError } from "./output.js";

/**
 * Runs a call about one portfolio. NOT_FOUND and PERMISSION_DENIED both become
 * `portfolio ID not found or not yours` (exit 1): the services answer PERMISSION_DENIED for another
 * user's portfolio, and saying which would tell a stranger that the id exists. Other errors keep
 * their usual message, naming this command's flags (see {@link withFields}).
 *
 * @param opts.deniedIsNotYours - false when the call may also be refused for a missing role (a run
 *   pinned with --as-of needs admin): then PERMISSION_DENIED keeps its credentials message.
 */
export async function forPortfolio<T>(
  portfolioId: string,
  fields: FieldNames,
  fn: () => Promise<T>,
  opts: { deniedIsNotYours?: boolean } = {},
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const notYours = err instanceof ConnectError && err.code === Code.PermissionDenied && opts.deniedIsNotYours !== false;
    if (notYours || (err instanceof ConnectError && err.code === Code.NotFound)) {
      throw new CliError(`portfolio ${portfolioId} not found or not yours`);
    }
    throw withFields(err, fields);
  }
}
