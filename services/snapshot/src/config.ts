import { type BaseServiceEnv, defineConfig, loadServiceConfig } from "@sigma/runtime";

/** The snapshot service reads only the shared variables (PORT, HOST, LOG_LEVEL, SIGMA_AUTH, SIGMA_JWT_SECRET) until its store arrives. */
export const snapshotConfigSpec = defineConfig({});

/** The validated configuration of the snapshot service. */
export type SnapshotConfig = BaseServiceEnv;

/**
 * Reads and validates the snapshot service's configuration.
 *
 * @throws ConfigError listing every missing or bad variable.
 */
export function loadSnapshotConfig(env: Readonly<Record<string, string | undefined>> = process.env): SnapshotConfig {
  return loadServiceConfig("snapshot", snapshotConfigSpec, env).base;
}
