import { Code, ConnectError } from "@connectrpc/connect";
import { type FieldNames, withFields } from "./errors.js";
import { CliError } from "./output.js";

/**
 * Runs a call about one portfolio. NOT_FOUND and PERMISSION_DENIED both become
 * `portfolio ID not found or not yours` (exit 1): the services answer PERMISSION_DENIED for another
 * user's portfolio, and saying which would tell a stranger that the id exists. Other errors keep
 * their usual message, naming this command's flags (see {@link withFields}).
 */
export async function forPortfolio<T>(portfolioId: string, fields: FieldNames, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ConnectError && (err.code === Code.NotFound || err.code === Code.PermissionDenied)) {
      throw new CliError(`portfolio ${portfolioId} not found or not yours`);
    }
    throw withFields(err, fields);
  }
}
