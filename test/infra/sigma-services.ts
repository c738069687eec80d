/**
 * The deployment facts the infrastructure files must agree on, kept in one place so the
 * Kubernetes and docker-compose checks cannot drift apart.
 */

/** One Sigma service: folder = image command target = Kubernetes object = compose service name. */
export interface SigmaService {
  /** Folder under services/, Deployment/Service name and compose service name. */
  readonly name: string;
  /** The h2c port serving gRPC, Connect, gRPC-Web, reflection and grpc.health.v1. */
  readonly grpcPort: number;
  /** Extra HTTP/1.1 port (only the status web page). */
  readonly httpPort?: number;
}

/** The six long-running services, in phase order with the coordinator first. */
export const SIGMA_SERVICES: readonly SigmaService[] = [
  { name: "coordinator", grpcPort: 50051 },
  { name: "market-data", grpcPort: 50052 },
  { name: "factor", grpcPort: 50053 },
  { name: "snapshot", grpcPort: 50054 },
  { name: "risk", grpcPort: 50055 },
  { name: "status", grpcPort: 50056, httpPort: 8080 },
];

/**
 * Services that run as several replicas behind a headless Service (`<name>-headless`), reached by
 * the coordinator with client-side load balancing (`dns:///<name>-headless:<port>`). `replicas` is
 * the base's replica count; `autoscaled` ones also have a PodDisruptionBudget and a
 * HorizontalPodAutoscaler (both named like the Deployment).
 */
export const SCALED_SERVICES: readonly { name: string; replicas: number; autoscaled: boolean }[] = [
  { name: "factor", replicas: 2, autoscaled: true },
  { name: "snapshot", replicas: 2, autoscaled: false },
  { name: "risk", replicas: 3, autoscaled: true },
];

/** Infrastructure services docker-compose must provide (Kubernetes treats them as external). */
export const COMPOSE_INFRA = ["postgres", "nats"] as const;

/** The CronJob schedule required by the spec: weekdays at 23:30 UTC. */
export const DAILY_RUN_SCHEDULE = "30 23 * * 1-5";

/** Relative path (from the repo root) of a service's entry point. */
export function serviceEntryPoint(name: string): string {
  return `services/${name}/src/main.ts`;
}

/** Relative path (from the repo root) of the `sigma` CLI entry point used by the CronJob. */
export const CLI_ENTRY_POINT = "services/cli/src/main.ts";
