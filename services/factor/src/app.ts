import { FactorService } from "@sigma/contracts";
import { type AuthConfig, defineService, type Logger, serve, unimplementedService } from "@sigma/runtime";

/** Options of the factor service. */
export interface FactorAppOptions {
  port: number;
  host?: string;
  logger: Logger;
  auth: AuthConfig;
}

/** Starts the factor service (phases 1.5 and 1.75 are not wired yet: their RPCs answer UNIMPLEMENTED). */
export async function startFactor(o: FactorAppOptions) {
  const server = await serve({
    name: "factor",
    port: o.port,
    host: o.host,
    logger: o.logger,
    auth: o.auth,
    services: [
      defineService(
        FactorService,
        unimplementedService(FactorService, "symbol factor betas (phase 1.5)", {
          computeSymbolMetrics: "symbol metrics (phase 1.75)",
          getSymbolMetrics: "symbol metrics (phase 1.75)",
        }),
      ),
    ],
  });
  o.logger.info({ port: server.port }, "factor service listening");
  return { name: "factor", port: server.port, url: server.url, close: () => server.close() };
}
