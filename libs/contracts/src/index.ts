/**
 * @sigma/contracts: the generated Protobuf-ES messages, enums and service descriptors of every
 * Sigma service. Everything that crosses a service boundary is one of these types.
 *
 * The generated files under `gen/` are committed; `npm run check:generated` fails when
 * regenerating from `proto/` would change them.
 */
export * from "./gen/sigma/common/v1/common_pb.js";
export * from "./gen/sigma/marketdata/v1/marketdata_pb.js";
export * from "./gen/sigma/factor/v1/factor_pb.js";
export * from "./gen/sigma/snapshot/v1/snapshot_pb.js";
export * from "./gen/sigma/risk/v1/risk_pb.js";
export * from "./gen/sigma/events/v1/events_pb.js";
export * from "./gen/sigma/status/v1/status_pb.js";
export * from "./gen/sigma/coordinator/v1/coordinator_pb.js";
// One run/phase state vocabulary: the common enums win over the deprecated per-service ones of
// the same name, which stay reachable under Legacy* names for the deprecated fields.
export { PhaseState, PhaseStateSchema, RunStatus, RunStatusSchema } from "./gen/sigma/common/v1/common_pb.js";
export { RunStatus as LegacyRunStatus, RunStatusSchema as LegacyRunStatusSchema } from "./gen/sigma/coordinator/v1/coordinator_pb.js";
export { PhaseState as LegacyPhaseState, PhaseStateSchema as LegacyPhaseStateSchema } from "./gen/sigma/status/v1/status_pb.js";
export * from "./phases.js";
export * from "./states.js";
export * from "./factors.js";
