import { isPlainObject, type K8sObject } from "./yaml-docs.js";
import { podSpecsOf } from "./kustomize-lite.js";
import { CLI_ENTRY_POINT, DAILY_RUN_SCHEDULE, serviceEntryPoint, type SigmaService } from "./sigma-services.js";

/**
 * Structural checks on rendered Kubernetes objects that a schema cannot express: naming,
 * ports, probes, hardening, resources, references. Each returns human-readable problems;
 * an empty list means the check passed.
 */

type Obj = Record<string, unknown>;

/** Reads a nested field; undefined when any step is missing or not a mapping. */
function at(value: unknown, ...keys: (string | number)[]): unknown {
  let cur: unknown = value;
  for (const k of keys) {
    if (typeof k === "number") cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isPlainObject(cur) ? cur[k] : undefined;
  }
  return cur;
}

function list(value: unknown): Obj[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

/**
 * Checks the hardening and resource rules on every container of a pod spec: pod-level
 * runAsNonRoot, runAsUser 1000 and seccomp RuntimeDefault; per container
 * allowPrivilegeEscalation false, readOnlyRootFilesystem true, capabilities drop ALL,
 * cpu+memory requests and limits, and a writable emptyDir mounted at /tmp.
 *
 * @param podSpec The pod spec (Deployment template or CronJob job template).
 * @param where Prefix for messages, e.g. "Deployment/factor".
 */
export function checkPodHardening(podSpec: Obj, where: string): string[] {
  const problems: string[] = [];
  const pod = at(podSpec, "securityContext");
  if (at(pod, "runAsNonRoot") !== true) problems.push(`${where}: pod securityContext.runAsNonRoot must be true`);
  if (at(pod, "runAsUser") !== 1000) problems.push(`${where}: pod securityContext.runAsUser must be 1000`);
  if (at(pod, "seccompProfile", "type") !== "RuntimeDefault") problems.push(`${where}: pod seccompProfile must be RuntimeDefault`);

  const emptyDirs = new Set(
    list(podSpec["volumes"])
      .filter((v) => isPlainObject(v["emptyDir"]))
      .map((v) => v["name"]),
  );
  const containers = list(podSpec["containers"]);
  if (containers.length === 0) problems.push(`${where}: no containers`);
  for (const c of containers) {
    const id = `${where} container ${String(c["name"])}`;
    const sc = c["securityContext"];
    if (at(sc, "allowPrivilegeEscalation") !== false) problems.push(`${id}: allowPrivilegeEscalation must be false`);
    if (at(sc, "readOnlyRootFilesystem") !== true) problems.push(`${id}: readOnlyRootFilesystem must be true`);
    const drop = at(sc, "capabilities", "drop");
    if (!Array.isArray(drop) || !drop.includes("ALL")) problems.push(`${id}: capabilities.drop must include ALL`);
    if (at(sc, "runAsNonRoot") === false || at(sc, "runAsUser") === 0) problems.push(`${id}: container overrides non-root`);
    for (const kind of ["requests", "limits"]) {
      for (const resource of ["cpu", "memory"]) {
        if (at(c, "resources", kind, resource) === undefined) problems.push(`${id}: resources.${kind}.${resource} missing`);
      }
    }
    const tmp = list(c["volumeMounts"]).find((m) => m["mountPath"] === "/tmp");
    if (tmp === undefined || !emptyDirs.has(tmp["name"])) problems.push(`${id}: needs an emptyDir mounted at /tmp`);
  }
  return problems;
}

/** Environment variables of a container with literal values (valueFrom entries are skipped). */
function literalEnv(container: Obj): Map<string, unknown> {
  return new Map(
    list(container["env"])
      .filter((e) => "value" in e)
      .map((e) => [e["name"] as string, e["value"]]),
  );
}

function grpcProbePort(container: Obj, probe: string): unknown {
  return at(container, probe, "grpc", "port");
}

/**
 * Checks one Sigma service's Deployment and Service: both exist under the service's name, the
 * Service selects the pod labels, the container runs `services/<name>/src/main.ts` with PORT set,
 * exposes the gRPC (and HTTP) ports, the Service maps them, readiness and liveness are gRPC probes
 * on the gRPC port, and the pod is hardened (see {@link checkPodHardening}).
 *
 * @param objects All rendered objects.
 * @param service The expected facts.
 */
export function checkServiceWorkload(objects: readonly K8sObject[], service: SigmaService): string[] {
  const problems: string[] = [];
  const { name, grpcPort, httpPort } = service;
  const deployment = find(objects, "Deployment", name);
  const svc = find(objects, "Service", name);
  if (deployment === undefined) problems.push(`Deployment/${name} missing`);
  if (svc === undefined) problems.push(`Service/${name} missing`);
  if (deployment === undefined || svc === undefined) return problems;

  const podLabels = at(deployment, "spec", "template", "metadata", "labels");
  const matchLabels = at(deployment, "spec", "selector", "matchLabels");
  if (!labelsSelect(matchLabels, podLabels)) problems.push(`Deployment/${name}: selector does not match pod labels`);
  if (!labelsSelect(at(svc, "spec", "selector"), podLabels))
    problems.push(`Service/${name}: selector does not match Deployment/${name} pods`);

  const podSpec = at(deployment, "spec", "template", "spec");
  if (!isPlainObject(podSpec)) return [...problems, `Deployment/${name}: no pod spec`];
  problems.push(...checkPodHardening(podSpec, `Deployment/${name}`));

  const [container] = list(podSpec["containers"]);
  if (container === undefined) return problems;
  const command = [...stringList(container["command"]), ...stringList(container["args"])];
  if (!command.includes(serviceEntryPoint(name)))
    problems.push(`Deployment/${name}: command must run ${serviceEntryPoint(name)}, got ${JSON.stringify(command)}`);
  const env = literalEnv(container);
  if (env.get("PORT") !== String(grpcPort)) problems.push(`Deployment/${name}: env PORT must be "${grpcPort}"`);

  const containerPorts = list(container["ports"]).map((p) => p["containerPort"]);
  const servicePorts = list(at(svc, "spec", "ports"));
  for (const port of httpPort === undefined ? [grpcPort] : [grpcPort, httpPort]) {
    if (!containerPorts.includes(port)) problems.push(`Deployment/${name}: containerPort ${port} missing`);
    const sp = servicePorts.find((p) => p["port"] === port);
    if (sp === undefined) problems.push(`Service/${name}: port ${port} missing`);
    else if (sp["targetPort"] !== port && sp["targetPort"] !== undefined)
      problems.push(`Service/${name}: port ${port} targets ${String(sp["targetPort"])}`);
  }
  if (httpPort !== undefined && env.get("STATUS_HTTP_PORT") !== String(httpPort)) {
    problems.push(`Deployment/${name}: env STATUS_HTTP_PORT must be "${httpPort}"`);
  }
  for (const probe of ["readinessProbe", "livenessProbe"]) {
    const port = grpcProbePort(container, probe);
    if (port !== grpcPort)
      problems.push(`Deployment/${name}: ${probe} must be grpc on port ${grpcPort}, got ${JSON.stringify(at(container, probe))}`);
  }
  const startup = at(container, "startupProbe");
  if (startup !== undefined && grpcProbePort(container, "startupProbe") !== grpcPort)
    problems.push(`Deployment/${name}: startupProbe must be grpc on port ${grpcPort}`);
  return problems;
}

/**
 * Checks that Deployments and Services are exactly the expected services (no stray or misnamed
 * workload escapes the per-service checks).
 */
export function checkNoStrayWorkloads(objects: readonly K8sObject[], services: readonly SigmaService[]): string[] {
  const names = new Set(services.map((s) => s.name));
  return objects
    .filter((o) => (o.kind === "Deployment" || o.kind === "Service") && !names.has(o.metadata?.name ?? ""))
    .map((o) => `${o.kind}/${o.metadata?.name}: not one of the Sigma services`);
}

/**
 * Checks the daily CronJob: exactly one, schedule weekdays 23:30 UTC, concurrencyPolicy Forbid,
 * a starting deadline, history limits, a job backoffLimit and activeDeadlineSeconds, a command
 * running the CLI's `trigger` against the coordinator, and the pod hardening rules.
 */
export function checkCronJob(objects: readonly K8sObject[]): string[] {
  const cronJobs = objects.filter((o) => o.kind === "CronJob");
  if (cronJobs.length !== 1) return [`expected exactly one CronJob, found ${cronJobs.length}`];
  const cj = cronJobs[0] as K8sObject;
  const id = `CronJob/${cj.metadata?.name}`;
  const problems: string[] = [];
  const spec = cj["spec"];
  if (at(spec, "schedule") !== DAILY_RUN_SCHEDULE) problems.push(`${id}: schedule must be "${DAILY_RUN_SCHEDULE}"`);
  const tz = at(spec, "timeZone");
  if (tz !== undefined && tz !== "Etc/UTC" && tz !== "UTC") problems.push(`${id}: timeZone must be UTC`);
  if (at(spec, "concurrencyPolicy") !== "Forbid") problems.push(`${id}: concurrencyPolicy must be Forbid`);
  for (const field of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"]) {
    if (typeof at(spec, field) !== "number") problems.push(`${id}: ${field} must be set`);
  }
  for (const field of ["backoffLimit", "activeDeadlineSeconds"]) {
    if (typeof at(spec, "jobTemplate", "spec", field) !== "number") problems.push(`${id}: jobTemplate.spec.${field} must be set`);
  }
  const [podSpec] = podSpecsOf(cj);
  if (podSpec === undefined) return [...problems, `${id}: no pod template`];
  problems.push(...checkPodHardening(podSpec, id));
  const [container] = list(podSpec["containers"]);
  const command = container === undefined ? [] : [...stringList(container["command"]), ...stringList(container["args"])];
  if (!command.includes(CLI_ENTRY_POINT) || !command.includes("trigger"))
    problems.push(`${id}: command must run ${CLI_ENTRY_POINT} trigger, got ${JSON.stringify(command)}`);
  if (container !== undefined && literalEnv(container).get("SIGMA_URL") !== "http://coordinator:50051")
    problems.push(`${id}: SIGMA_URL must be http://coordinator:50051`);
  return problems;
}

/**
 * Checks that every ConfigMap/Secret a pod references (envFrom, configMapKeyRef, secretKeyRef)
 * exists in the render (or is one of `externalSecrets`, name → keys, that an overlay generates)
 * and, for key references that are not `optional`, holds that key.
 */
export function checkConfigReferences(
  objects: readonly K8sObject[],
  externalSecrets: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const problems: string[] = [];
  const keysOf = (kind: string, name: string): Set<string> | undefined => {
    const o = find(objects, kind, name);
    const external = kind === "Secret" ? externalSecrets[name] : undefined;
    if (o === undefined) return external === undefined ? undefined : new Set(external);
    return new Set([...Object.keys(at(o, "data") ?? {}), ...Object.keys(at(o, "stringData") ?? {})]);
  };
  for (const object of objects) {
    for (const podSpec of podSpecsOf(object)) {
      for (const c of list(podSpec["containers"])) {
        const id = `${object.kind}/${object.metadata?.name} container ${String(c["name"])}`;
        for (const source of list(c["envFrom"])) {
          for (const [field, kind] of [
            ["configMapRef", "ConfigMap"],
            ["secretRef", "Secret"],
          ] as const) {
            const ref = at(source, field, "name");
            if (typeof ref === "string" && keysOf(kind, ref) === undefined) problems.push(`${id}: envFrom ${kind}/${ref} not found`);
          }
        }
        for (const e of list(c["env"])) {
          for (const [field, kind] of [
            ["configMapKeyRef", "ConfigMap"],
            ["secretKeyRef", "Secret"],
          ] as const) {
            const ref = at(e, "valueFrom", field);
            if (!isPlainObject(ref)) continue;
            const keys = keysOf(kind, String(ref["name"]));
            if (keys === undefined) problems.push(`${id}: env ${String(e["name"])} refers to missing ${kind}/${String(ref["name"])}`);
            else if (!keys.has(String(ref["key"])) && ref["optional"] !== true)
              problems.push(`${id}: env ${String(e["name"])}: ${kind}/${String(ref["name"])} has no key ${String(ref["key"])}`);
          }
        }
      }
    }
  }
  return problems;
}

/** The marker of an unfilled credential (secrets.env.example). */
export const PLACEHOLDER = "REPLACE-ME";

/**
 * Checks that no rendered value still holds a {@link PLACEHOLDER}: Secret `data` (decoded) and
 * `stringData`, ConfigMap `data`, and literal container env values. A placeholder deployed as a
 * DATABASE_URL only fails later, in a crash-looping pod.
 */
export function checkNoPlaceholders(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  const check = (where: string, value: unknown) => {
    if (typeof value === "string" && value.includes(PLACEHOLDER)) problems.push(`${where} still holds a ${PLACEHOLDER} placeholder`);
  };
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    if (o.kind === "Secret") {
      for (const [key, value] of Object.entries(at(o, "data") ?? {}))
        check(`${id} ${key}`, typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : value);
      for (const [key, value] of Object.entries(at(o, "stringData") ?? {})) check(`${id} ${key}`, value);
    }
    if (o.kind === "ConfigMap") for (const [key, value] of Object.entries(at(o, "data") ?? {})) check(`${id} ${key}`, value);
    for (const podSpec of podSpecsOf(o)) {
      for (const c of list(podSpec["containers"])) for (const e of list(c["env"])) check(`${id} env ${String(e["name"])}`, e["value"]);
    }
  }
  return problems;
}

/**
 * Checks that no committed manifest defines a Secret: credentials come from secretGenerator env
 * files that are git-ignored, never from YAML in the repo.
 *
 * @param files - committed k8s YAML documents with their paths.
 */
export function checkNoCommittedSecrets(files: readonly { path: string; objects: readonly K8sObject[] }[]): string[] {
  return files.flatMap((f) =>
    f.objects
      .filter((o) => o.kind === "Secret")
      .map((o) => `${f.path}: Secret/${o.metadata?.name} is committed; generate it from a git-ignored env file`),
  );
}

/** Repo-relative `services/.../main.ts` paths used in any container command of the objects. */
export function entryPointsUsed(objects: readonly K8sObject[]): string[] {
  const paths = new Set<string>();
  for (const object of objects) {
    for (const podSpec of podSpecsOf(object)) {
      for (const c of list(podSpec["containers"])) {
        for (const arg of [...stringList(c["command"]), ...stringList(c["args"])]) {
          if (/^services\/[^/]+\/src\/main\.ts$/.test(arg)) paths.add(arg);
        }
      }
    }
  }
  return [...paths].sort();
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** True when `selector` is a non-empty label map fully contained in `labels`. */
function labelsSelect(selector: unknown, labels: unknown): boolean {
  if (!isPlainObject(selector) || !isPlainObject(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
