/** Builds the configured price provider from SIGMA_PRICES (SPEC §6). */
import path from "node:path";
import { CsvPriceProvider } from "./csv.js";
import { HttpPriceProvider, type HttpProviderOptions } from "./http.js";
import { SyntheticPriceProvider } from "./synthetic.js";
import { ProviderConfigError, type PriceProvider } from "./types.js";

/** Default API root of the HTTP provider. */
export const DEFAULT_POLYGON_URL = "https://api.polygon.io";

/** Options of {@link createProvider}. */
export interface CreateProviderOptions {
  /** Environment to read SIGMA_POLYGON_URL, SIGMA_POLYGON_API_KEY and SIGMA_POLYGON_RPM from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Base directory for a relative csv PATH; default process.cwd(). */
  readonly cwd?: string;
  /** Overrides for the HTTP provider (tests: fetch, sleep, rates). */
  readonly http?: Partial<HttpProviderOptions>;
}

/**
 * Parses a SIGMA_PRICES value and builds the provider:
 * - `synthetic` -> {@link SyntheticPriceProvider};
 * - `csv:PATH` -> {@link CsvPriceProvider} over PATH (relative paths resolve against `cwd`; the file
 *   is read on first use: await `load()` on the result to fail fast);
 * - `http` -> {@link HttpPriceProvider} with base URL SIGMA_POLYGON_URL (default
 *   {@link DEFAULT_POLYGON_URL}), key SIGMA_POLYGON_API_KEY (required) and requests per minute
 *   SIGMA_POLYGON_RPM (default 5).
 * Surrounding whitespace is ignored; the kind is case-insensitive. The caller supplies the default
 * (`env.SIGMA_PRICES ?? "synthetic"`).
 * @throws ProviderConfigError for an unknown or empty spec, an empty csv path, a missing API key, a
 *   bad base URL or a non-positive SIGMA_POLYGON_RPM.
 */
export function createProvider(spec: string, options: CreateProviderOptions = {}): PriceProvider {
  const env = options.env ?? process.env;
  const s = spec.trim();
  const colon = s.indexOf(":");
  const kind = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const arg = colon < 0 ? undefined : s.slice(colon + 1);
  const accepted = 'expected "synthetic", "csv:PATH" or "http"';
  switch (kind) {
    case "synthetic":
      if (arg !== undefined) throw new ProviderConfigError(`SIGMA_PRICES "synthetic" takes no argument, got ${JSON.stringify(spec)}`);
      return new SyntheticPriceProvider();
    case "csv": {
      if (!arg || arg.trim() === "")
        throw new ProviderConfigError(`SIGMA_PRICES csv needs a file path ("csv:PATH"), got ${JSON.stringify(spec)}`);
      return new CsvPriceProvider(path.resolve(options.cwd ?? process.cwd(), arg.trim()));
    }
    case "http": {
      if (arg !== undefined)
        throw new ProviderConfigError(`SIGMA_PRICES "http" takes no argument (set SIGMA_POLYGON_URL), got ${JSON.stringify(spec)}`);
      const apiKey = options.http?.apiKey ?? env.SIGMA_POLYGON_API_KEY ?? "";
      if (apiKey.trim() === "") {
        throw new ProviderConfigError("SIGMA_PRICES=http needs SIGMA_POLYGON_API_KEY (the Polygon API key); it is missing or empty");
      }
      const rpmText = env.SIGMA_POLYGON_RPM;
      let requestsPerMinute = options.http?.requestsPerMinute;
      if (requestsPerMinute === undefined && rpmText !== undefined && rpmText.trim() !== "") {
        requestsPerMinute = Number(rpmText);
        if (!(requestsPerMinute > 0))
          throw new ProviderConfigError(`SIGMA_POLYGON_RPM must be a positive number, got ${JSON.stringify(rpmText)}`);
      }
      return new HttpPriceProvider({
        ...options.http,
        baseUrl: options.http?.baseUrl ?? (env.SIGMA_POLYGON_URL?.trim() || DEFAULT_POLYGON_URL),
        apiKey: apiKey.trim(),
        requestsPerMinute,
      });
    }
    default:
      throw new ProviderConfigError(`unknown SIGMA_PRICES ${JSON.stringify(spec)}: ${accepted}`);
  }
}
