import { isPlainObject } from "./yaml-docs.js";
import { COMPOSE_INFRA, serviceEntryPoint, type SigmaService } from "./sigma-services.js";

/**
 * Checks on a parsed docker-compose.yml (merge keys already resolved) that `docker compose
 * config` would not make without a Docker engine, plus Sigma's own conventions.
 */

type Obj = Record<string, unknown>;

/**
 * Checks the compose file: postgres (15) and nats (2.9, JetStream) exist with healthchecks and
 * publish no host port (5432/4222 would clash with a local Postgres or NATS); each
 * Sigma service exists, runs `services/<name>/src/main.ts`, sets PORT to its gRPC port, has a
 * healthcheck, and depends on postgres and nats with `condition: service_healthy`; every
 * `service_healthy` dependency points at a service that has a healthcheck.
 *
 * @param compose The parsed file.
 * @param services The expected Sigma services.
 * @returns Problems; empty when the file passes.
 */
export function checkCompose(compose: unknown, services: readonly SigmaService[]): string[] {
  const all = isPlainObject(compose) ? compose["services"] : undefined;
  if (!isPlainObject(all)) return ["docker-compose.yml: no services mapping"];
  const problems: string[] = [];
  const get = (name: string): Obj | undefined => (isPlainObject(all[name]) ? all[name] : undefined);

  for (const name of COMPOSE_INFRA) {
    const svc = get(name);
    if (svc === undefined) problems.push(`${name}: missing`);
    else if (!hasHealthcheck(svc)) problems.push(`${name}: no healthcheck`);
    // Published infra ports clash with a Postgres/NATS already on the host (5432, 4222).
    const published = Array.isArray(svc?.["ports"]) ? svc["ports"] : [];
    if (published.length > 0)
      problems.push(
        `${name}: must not publish host ports (got ${published.map(String).join(", ")}); services reach it on the compose network`,
      );
  }
  const postgresImage = String(get("postgres")?.["image"] ?? "");
  if (!/^postgres:15(\b|[.-])/.test(postgresImage)) problems.push(`postgres: image must be postgres:15, got ${postgresImage}`);
  const nats = get("nats");
  if (!/^nats:2\.9(\b|[.-])/.test(String(nats?.["image"] ?? "")))
    problems.push(`nats: image must be nats:2.9, got ${String(nats?.["image"])}`);
  if (!commandOf(nats).some((a) => a === "-js" || a === "--jetstream")) problems.push("nats: JetStream (-js) must be enabled");

  for (const { name, grpcPort } of services) {
    const svc = get(name);
    if (svc === undefined) {
      problems.push(`${name}: missing`);
      continue;
    }
    if (!commandOf(svc).includes(serviceEntryPoint(name))) problems.push(`${name}: command must run ${serviceEntryPoint(name)}`);
    if (String(envOf(svc)["PORT"]) !== String(grpcPort)) problems.push(`${name}: environment PORT must be ${grpcPort}`);
    if (!hasHealthcheck(svc)) problems.push(`${name}: no healthcheck`);
    for (const infra of COMPOSE_INFRA) {
      if (dependsOn(svc)[infra] !== "service_healthy") problems.push(`${name}: must depend on ${infra} with condition service_healthy`);
    }
  }

  for (const [name, svc] of Object.entries(all)) {
    for (const [dep, condition] of Object.entries(dependsOn(svc))) {
      if (condition !== "service_healthy") continue;
      const target = get(dep);
      if (target === undefined || !hasHealthcheck(target))
        problems.push(`${name}: waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
    }
  }
  return problems;
}

/** Repo-relative `services/.../main.ts` paths used by any compose service's command. */
export function composeEntryPoints(compose: unknown): string[] {
  const all = isPlainObject(compose) ? compose["services"] : undefined;
  if (!isPlainObject(all)) return [];
  const paths = new Set<string>();
  for (const svc of Object.values(all)) {
    for (const arg of commandOf(svc)) if (/^services\/[^/]+\/src\/main\.ts$/.test(arg)) paths.add(arg);
  }
  return [...paths].sort();
}

/** Command as a list; the string form is split on whitespace (enough for these checks). */
function commandOf(svc: unknown): string[] {
  const command = isPlainObject(svc) ? svc["command"] : undefined;
  if (typeof command === "string") return command.split(/\s+/).filter((s) => s !== "");
  return Array.isArray(command) ? command.map(String) : [];
}

function hasHealthcheck(svc: Obj): boolean {
  const hc = svc["healthcheck"];
  if (!isPlainObject(hc) || hc["disable"] === true) return false;
  const test = hc["test"];
  return (typeof test === "string" && test.trim() !== "") || (Array.isArray(test) && test.length > 1 && test[0] !== "NONE");
}

/** Environment as a map; the list form `KEY=value` is converted. */
function envOf(svc: Obj): Record<string, unknown> {
  const env = svc["environment"];
  if (isPlainObject(env)) return env;
  if (!Array.isArray(env)) return {};
  return Object.fromEntries(env.map(String).map((e) => [e.split("=")[0], e.includes("=") ? e.slice(e.indexOf("=") + 1) : null]));
}

/** depends_on as name -> condition; the short list form means `service_started`. */
function dependsOn(svc: unknown): Record<string, string> {
  const deps = isPlainObject(svc) ? svc["depends_on"] : undefined;
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [String(d), "service_started"]));
  if (!isPlainObject(deps)) return {};
  return Object.fromEntries(Object.entries(deps).map(([k, v]) => [k, String(at(v, "condition") ?? "service_started")]));
}

function at(value: unknown, key: string): unknown {
  return isPlainObject(value) ? value[key] : undefined;
}
