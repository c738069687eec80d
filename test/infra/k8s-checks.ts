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
 * workload escapes the per-service checks); `<service>-headless` Services are allowed (and checked
 * by {@link checkHeadlessServices}).
 */
export function checkNoStrayWorkloads(objects: readonly K8sObject[], services: readonly SigmaService[]): string[] {
  const names = new Set(services.map((s) => s.name));
  const allowed = (o: K8sObject): boolean => {
    const name = o.metadata?.name ?? "";
    return names.has(name) || (o.kind === "Service" && name.endsWith(HEADLESS_SUFFIX) && names.has(name.slice(0, -HEADLESS_SUFFIX.length)));
  };
  return objects
    .filter((o) => (o.kind === "Deployment" || o.kind === "Service") && !allowed(o))
    .map((o) => `${o.kind}/${o.metadata?.name}: not one of the Sigma services`);
}

/** Suffix of the headless Service of a replicated service (`factor-headless`). */
export const HEADLESS_SUFFIX = "-headless";

/** Deployments whose pod template labels `selector` (a matchLabels map) selects. */
function deploymentsSelected(objects: readonly K8sObject[], selector: unknown): K8sObject[] {
  return objects.filter((o) => o.kind === "Deployment" && labelsSelect(selector, at(o, "spec", "template", "metadata", "labels")));
}

/**
 * Checks every `<name>-headless` Service: `clusterIP: None` (so DNS answers one record per pod),
 * no type other than ClusterIP, a selector matching exactly Deployment/<name>'s pods, and the same
 * gRPC port as Service/<name>, targeting a containerPort of the pods.
 */
export function checkHeadlessServices(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const svc of objects.filter((o) => o.kind === "Service" && (o.metadata?.name ?? "").endsWith(HEADLESS_SUFFIX))) {
    const name = svc.metadata!.name!;
    const id = `Service/${name}`;
    const target = name.slice(0, -HEADLESS_SUFFIX.length);
    if (at(svc, "spec", "clusterIP") !== "None") problems.push(`${id}: clusterIP must be None (headless)`);
    const type = at(svc, "spec", "type");
    if (type !== undefined && type !== "ClusterIP") problems.push(`${id}: type must be ClusterIP, got ${String(type)}`);
    const selected = deploymentsSelected(objects, at(svc, "spec", "selector")).map((d) => d.metadata?.name);
    if (selected.length !== 1 || selected[0] !== target)
      problems.push(`${id}: selector must match exactly Deployment/${target}'s pods, matches ${JSON.stringify(selected)}`);
    const ports = list(at(svc, "spec", "ports")).map((p) => p["port"]);
    const normal = find(objects, "Service", target);
    const normalPorts = list(at(normal, "spec", "ports")).map((p) => p["port"]);
    if (ports.length === 0 || !ports.every((p) => normalPorts.includes(p)))
      problems.push(`${id}: ports ${JSON.stringify(ports)} must be Service/${target}'s ${JSON.stringify(normalPorts)}`);
    const deployment = find(objects, "Deployment", target);
    const containerPorts = list(at(deployment, "spec", "template", "spec", "containers")).flatMap((c) =>
      list(c["ports"]).map((p) => p["containerPort"]),
    );
    for (const p of list(at(svc, "spec", "ports"))) {
      const tp = p["targetPort"] ?? p["port"];
      if (!containerPorts.includes(tp)) problems.push(`${id}: targetPort ${String(tp)} is not a containerPort of Deployment/${target}`);
    }
  }
  return problems;
}

/**
 * Checks every PodDisruptionBudget: its selector matches exactly one Deployment's pods, it sets
 * minAvailable (an integer) or maxUnavailable, and minAvailable is below that Deployment's
 * replicas (a budget equal to the replica count forbids every voluntary eviction, e.g. node drains).
 */
export function checkDisruptionBudgets(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    const id = `PodDisruptionBudget/${pdb.metadata?.name}`;
    const selected = deploymentsSelected(objects, at(pdb, "spec", "selector", "matchLabels"));
    if (selected.length !== 1) {
      problems.push(`${id}: selector must match exactly one Deployment's pods, matches ${selected.length}`);
      continue;
    }
    const min = at(pdb, "spec", "minAvailable");
    const maxUnavailable = at(pdb, "spec", "maxUnavailable");
    if (min === undefined && maxUnavailable === undefined) problems.push(`${id}: set minAvailable or maxUnavailable`);
    const replicas = at(selected[0], "spec", "replicas") ?? 1;
    if (typeof min === "number" && typeof replicas === "number" && min > 0 && min >= replicas)
      problems.push(`${id}: minAvailable ${min} ≥ Deployment/${selected[0]!.metadata?.name} replicas ${replicas} blocks every eviction`);
  }
  return problems;
}

/**
 * Checks every HorizontalPodAutoscaler: scaleTargetRef names an existing apps/v1 Deployment,
 * 1 ≤ minReplicas ≤ maxReplicas, the Deployment's replicas lie in [minReplicas, maxReplicas], a CPU
 * Resource metric with a Utilization target in 1..100, and every container of the target has a cpu
 * request (utilization is measured against it; without one the HPA never acts).
 */
export function checkAutoscalers(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const id = `HorizontalPodAutoscaler/${hpa.metadata?.name}`;
    if (hpa.apiVersion !== "autoscaling/v2") problems.push(`${id}: apiVersion must be autoscaling/v2`);
    const ref = at(hpa, "spec", "scaleTargetRef");
    const target =
      at(ref, "kind") === "Deployment" && at(ref, "apiVersion") === "apps/v1"
        ? find(objects, "Deployment", String(at(ref, "name")))
        : undefined;
    if (target === undefined) {
      problems.push(`${id}: scaleTargetRef ${JSON.stringify(ref)} is not an existing apps/v1 Deployment`);
      continue;
    }
    const min = at(hpa, "spec", "minReplicas") ?? 1;
    const max = at(hpa, "spec", "maxReplicas");
    if (typeof min !== "number" || typeof max !== "number" || min < 1 || min > max)
      problems.push(`${id}: need 1 ≤ minReplicas (${String(min)}) ≤ maxReplicas (${String(max)})`);
    const replicas = at(target, "spec", "replicas") ?? 1;
    if (typeof replicas === "number" && typeof min === "number" && typeof max === "number" && (replicas < min || replicas > max))
      problems.push(`${id}: Deployment/${target.metadata?.name} replicas ${replicas} outside [${min}, ${max}]`);
    const cpu = list(at(hpa, "spec", "metrics")).find((m) => m["type"] === "Resource" && at(m, "resource", "name") === "cpu");
    const util = at(cpu, "resource", "target", "averageUtilization");
    if (at(cpu, "resource", "target", "type") !== "Utilization" || typeof util !== "number" || util < 1 || util > 100)
      problems.push(`${id}: needs a cpu Resource metric with a Utilization target (1..100%)`);
    for (const c of list(at(target, "spec", "template", "spec", "containers"))) {
      if (at(c, "resources", "requests", "cpu") === undefined)
        problems.push(`${id}: container ${String(c["name"])} of Deployment/${target.metadata?.name} has no cpu request`);
    }
  }
  return problems;
}

/**
 * Checks the replication facts: each service in `scaled` has a headless Service, at least
 * `replicas` replicas (when `expectReplicas`), a PodDisruptionBudget and a HorizontalPodAutoscaler
 * named like it when autoscaled, and the shared ConfigMap points its SIGMA_<NAME>_URL at the
 * headless Service with the load-balanced scheme (`dns:///<name>-headless:<port>`). Any other
 * `dns:///` peer URL must name an existing headless Service and one of its ports.
 */
export function checkScaleOut(
  objects: readonly K8sObject[],
  scaled: readonly { name: string; replicas: number; autoscaled: boolean }[],
  services: readonly SigmaService[],
  opts: { expectReplicas: boolean },
): string[] {
  const problems: string[] = [];
  const config = (at(find(objects, "ConfigMap", "sigma-config"), "data") ?? {}) as Record<string, unknown>;
  for (const s of scaled) {
    const port = services.find((x) => x.name === s.name)?.grpcPort;
    if (find(objects, "Service", `${s.name}${HEADLESS_SUFFIX}`) === undefined) problems.push(`Service/${s.name}${HEADLESS_SUFFIX} missing`);
    const replicas = at(find(objects, "Deployment", s.name), "spec", "replicas");
    if (opts.expectReplicas && replicas !== s.replicas)
      problems.push(`Deployment/${s.name}: replicas must be ${s.replicas}, got ${String(replicas)}`);
    if (s.autoscaled) {
      if (find(objects, "PodDisruptionBudget", s.name) === undefined) problems.push(`PodDisruptionBudget/${s.name} missing`);
      if (find(objects, "HorizontalPodAutoscaler", s.name) === undefined) problems.push(`HorizontalPodAutoscaler/${s.name} missing`);
    }
    const key = `SIGMA_${s.name.toUpperCase().replace(/-/g, "_")}_URL`;
    const want = `dns:///${s.name}${HEADLESS_SUFFIX}:${port}`;
    if (config[key] !== want)
      problems.push(`ConfigMap/sigma-config ${key} must be ${want} (client-side load balancing), got ${String(config[key])}`);
  }
  for (const [key, value] of Object.entries(config)) {
    const m = typeof value === "string" ? /^dns:\/\/\/([^:/]+):(\d+)$/.exec(value) : null;
    if (typeof value === "string" && value.startsWith("dns:") && m === null) {
      problems.push(`ConfigMap/sigma-config ${key}: ${value} is not dns:///NAME:PORT`);
      continue;
    }
    if (m === null) continue;
    const svc = find(objects, "Service", m[1]!);
    if (svc === undefined || at(svc, "spec", "clusterIP") !== "None")
      problems.push(`ConfigMap/sigma-config ${key}: ${m[1]} is not a headless Service`);
    else if (!list(at(svc, "spec", "ports")).some((p) => p["port"] === Number(m[2])))
      problems.push(`ConfigMap/sigma-config ${key}: Service/${m[1]} has no port ${m[2]}`);
  }
  return problems;
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
