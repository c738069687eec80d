// Offline validation of k8s/: render each kustomization (kubectl kustomize, or the built-in
// subset renderer when kubectl is absent), schema-check every object with kubernetes-models,
// then check what Sigma requires of each service, the CronJob and config references.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  checkAutoscalers,
  checkConfigReferences,
  checkCronJob,
  checkDisruptionBudgets,
  checkHeadlessServices,
  checkNoCommittedSecrets,
  checkNoPlaceholders,
  checkNoStrayWorkloads,
  checkScaleOut,
  checkServiceWorkload,
  entryPointsUsed,
} from "./k8s-checks.js";
import { validateWithModel } from "./k8s-models.js";
import { parseEnvFile, podSpecsOf, renderKustomizationLite } from "./kustomize-lite.js";
import { renderKustomize, renderWithSecrets, type Rendered } from "./render.js";
import { SCALED_SERVICES, SIGMA_SERVICES } from "./sigma-services.js";
import { type K8sObject, parseYamlStream } from "./yaml-docs.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const KUSTOMIZATIONS = ["k8s/base", "k8s/overlays/dev"] as const;

const k8sRoot = path.join(repoRoot, "k8s");
const DEV_SECRETS_EXAMPLE = path.join(k8sRoot, "overlays/dev/secrets.env.example");
/** Stands in for the operator's values when no secrets.env exists (a fresh clone, CI). */
const fillPlaceholders = (example: string): string =>
  example.replace(/REPLACE-ME[\w-]*/g, "offline-validation-only-value-0123456789abcdef");

const cache = new Map<string, Rendered>();
/**
 * Renders once per directory; a render failure fails every test that needs it. Overlays render
 * with the operator's secrets.env when present (so a placeholder left in it fails here, before
 * `kubectl apply`), else with the committed example filled with test values.
 */
function rendered(dir: string): Rendered {
  let r = cache.get(dir);
  if (r === undefined) {
    r = dir.startsWith("k8s/overlays/")
      ? renderWithSecrets(k8sRoot, dir.slice("k8s/".length), { fill: fillPlaceholders })
      : renderKustomize(path.join(repoRoot, dir));
    cache.set(dir, r);
  }
  return r;
}

/** The Secret keys the overlays generate (from the committed example), for checking the base alone. */
const generatedSecrets = { "sigma-secrets": parseEnvFile(readFileSync(DEV_SECRETS_EXAMPLE, "utf8"), DEV_SECRETS_EXAMPLE).map(([k]) => k) };

const kubectlAvailable = rendered("k8s/base").renderer === "kubectl";

for (const dir of KUSTOMIZATIONS) {
  describe(dir, () => {
    test("renders to objects", (t) => {
      const { renderer, objects } = rendered(dir);
      t.diagnostic(
        `${dir}: ${objects.length} objects rendered by ${renderer === "kubectl" ? "kubectl kustomize" : "the built-in renderer (kubectl not found)"}`,
      );
      assert.ok(objects.length > 0);
    });

    test("every object passes the Kubernetes schema", () => {
      assert.deepEqual(rendered(dir).objects.flatMap(validateWithModel), []);
    });

    for (const service of SIGMA_SERVICES) {
      test(`${service.name}: Deployment + Service, ports, gRPC probes, hardening, resources`, () => {
        assert.deepEqual(checkServiceWorkload(rendered(dir).objects, service), []);
      });
    }

    test("no Deployment or Service outside the six services", () => {
      assert.deepEqual(checkNoStrayWorkloads(rendered(dir).objects, SIGMA_SERVICES), []);
    });

    test("scale-out: headless Services, disruption budgets, autoscalers, load-balanced peer URLs", () => {
      const { objects } = rendered(dir);
      assert.deepEqual(checkHeadlessServices(objects), []);
      assert.deepEqual(checkDisruptionBudgets(objects), []);
      assert.deepEqual(checkAutoscalers(objects), []);
      // The dev overlay runs one replica of everything (checked below); the base has the real counts.
      assert.deepEqual(checkScaleOut(objects, SCALED_SERVICES, SIGMA_SERVICES, { expectReplicas: dir === "k8s/base" }), []);
    });

    test("daily CronJob: schedule, Forbid, deadlines, history, trigger command, hardening", () => {
      assert.deepEqual(checkCronJob(rendered(dir).objects), []);
    });

    test("ConfigMap/Secret references resolve", () => {
      // The base leaves sigma-secrets to the overlays' secretGenerator: its keys must be in the example.
      assert.deepEqual(checkConfigReferences(rendered(dir).objects, dir === "k8s/base" ? generatedSecrets : {}), []);
    });

    test("no REPLACE-ME placeholder in any rendered value", () => {
      assert.deepEqual(checkNoPlaceholders(rendered(dir).objects), []);
    });

    test("every image is the sigma image", () => {
      const images = rendered(dir)
        .objects.flatMap((o) => podSpecsOf(o))
        .flatMap((s) => (s["containers"] as { image: string }[]).map((c) => c.image));
      assert.ok(images.length > SIGMA_SERVICES.length);
      for (const image of images) assert.match(image, /^sigma:[\w.-]+$/);
    });
  });
}

describe("k8s/overlays/dev specifics", () => {
  test("namespace sigma-dev, image sigma:local, one replica, debug logs", () => {
    const { objects } = rendered("k8s/overlays/dev");
    for (const o of objects) assert.equal(o.metadata?.namespace, "sigma-dev", `${o.kind}/${o.metadata?.name}`);
    for (const spec of objects.flatMap((o) => podSpecsOf(o))) {
      for (const c of spec["containers"] as { image: string }[]) assert.equal(c.image, "sigma:local");
    }
    for (const d of objects.filter((o) => o.kind === "Deployment")) {
      assert.equal((d["spec"] as { replicas: number }).replicas, 1, `Deployment/${d.metadata?.name}`);
    }
    const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata?.name === "sigma-config");
    assert.equal((config?.["data"] as Record<string, string> | undefined)?.["LOG_LEVEL"], "debug");
  });

  test("sigma-secrets is generated from secrets.env (every key the pods read)", () => {
    const secret = rendered("k8s/overlays/dev").objects.find((o) => o.kind === "Secret" && o.metadata?.name === "sigma-secrets");
    const data = (secret?.["data"] ?? {}) as Record<string, string>;
    assert.deepEqual(Object.keys(data).sort(), ["DATABASE_URL", "SIGMA_JWT_SECRET"]);
    assert.match(Buffer.from(data.DATABASE_URL!, "base64").toString(), /^postgres:\/\/sigma:[^@]+@postgres:5432\/sigma$/);
  });

  test("a REPLACE-ME left in secrets.env is rejected", () => {
    const { objects } = renderWithSecrets(k8sRoot, "overlays/dev", { fill: (example) => example, useExamples: true });
    const problems = checkNoPlaceholders(objects).join("\n");
    assert.match(problems, /Secret\/sigma-secrets DATABASE_URL still holds a REPLACE-ME placeholder/);
    assert.match(problems, /Secret\/sigma-secrets SIGMA_JWT_SECRET still holds a REPLACE-ME placeholder/);
  });

  test("secrets.env is git-ignored", () => {
    assert.match(readFileSync(path.join(repoRoot, ".gitignore"), "utf8"), /^k8s\/overlays\/\*\/secrets\.env$/m);
  });
});

test("no Secret is committed under k8s/ (credentials come from git-ignored env files)", () => {
  const files: { path: string; objects: K8sObject[] }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name) && entry.name !== "kustomization.yaml")
        files.push({ path: path.relative(repoRoot, p), objects: parseYamlStream(readFileSync(p, "utf8"), p) });
    }
  };
  walk(k8sRoot);
  assert.ok(files.length > 5);
  assert.deepEqual(checkNoCommittedSecrets(files), []);
  const withSecret = [
    ...files,
    { path: "k8s/base/secret.yaml", objects: [{ apiVersion: "v1", kind: "Secret", metadata: { name: "sigma-secrets" } }] },
  ];
  assert.match(checkNoCommittedSecrets(withSecret).join("\n"), /k8s\/base\/secret\.yaml: Secret\/sigma-secrets is committed/);
});

test("the built-in renderer matches kubectl kustomize", {
  skip: kubectlAvailable ? false : "kubectl not installed: nothing to compare against",
}, () => {
  for (const dir of KUSTOMIZATIONS) {
    const key = (o: K8sObject): string => `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
    const sort = (objects: K8sObject[]): K8sObject[] => [...objects].sort((a, b) => key(a).localeCompare(key(b)));
    const opts = { fill: fillPlaceholders, useExamples: true };
    const [lite, real] = dir.startsWith("k8s/overlays/")
      ? [
          renderWithSecrets(k8sRoot, dir.slice(4), { ...opts, kubectl: null }).objects,
          renderWithSecrets(k8sRoot, dir.slice(4), opts).objects,
        ]
      : [renderKustomizationLite(path.join(repoRoot, dir)), rendered(dir).objects];
    assert.deepEqual(sort(lite), sort(real), dir);
  }
});

test("every command entry point exists in the repo", () => {
  const used = KUSTOMIZATIONS.flatMap((dir) => entryPointsUsed(rendered(dir).objects));
  assert.ok(used.length > SIGMA_SERVICES.length, "expected the six services and the CLI");
  const missing = [...new Set(used)].filter((p) => !existsSync(path.join(repoRoot, p)));
  assert.deepEqual(missing, [], "manifests start files that do not exist (services/<name>/src/main.ts)");
});

describe("the checks reject broken manifests", () => {
  const base = (): K8sObject[] => structuredClone(rendered("k8s/base").objects);
  const deployment = (objects: K8sObject[], name: string): Record<string, any> =>
    objects.find((o) => o.kind === "Deployment" && o.metadata?.name === name) as Record<string, any>;
  const factor = SIGMA_SERVICES.find((s) => s.name === "factor")!;

  test('schema: replicas: "two" is rejected', () => {
    const objects = base();
    deployment(objects, "factor").spec.replicas = "two";
    assert.match(validateWithModel(deployment(objects, "factor") as K8sObject).join("\n"), /replicas must be integer/);
  });

  test("schema: a string containerPort is rejected", () => {
    const objects = base();
    deployment(objects, "risk").spec.template.spec.containers[0].ports[0].containerPort = "grpc";
    assert.notDeepEqual(validateWithModel(deployment(objects, "risk") as K8sObject), []);
  });

  test("schema: an unknown kind is reported, not skipped", () => {
    assert.notDeepEqual(validateWithModel({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }), []);
  });

  test("hardening: a writable root filesystem is reported", () => {
    const objects = base();
    delete deployment(objects, "factor").spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem;
    assert.match(checkServiceWorkload(objects, factor).join("\n"), /readOnlyRootFilesystem/);
  });

  test("resources: a missing memory limit is reported", () => {
    const objects = base();
    delete deployment(objects, "factor").spec.template.spec.containers[0].resources.limits.memory;
    assert.match(checkServiceWorkload(objects, factor).join("\n"), /limits\.memory/);
  });

  test("probes: an HTTP readiness probe is reported", () => {
    const objects = base();
    deployment(objects, "factor").spec.template.spec.containers[0].readinessProbe = { httpGet: { port: 8080, path: "/" } };
    assert.match(checkServiceWorkload(objects, factor).join("\n"), /readinessProbe must be grpc/);
  });

  test("naming: a Service selecting other pods is reported", () => {
    const objects = base();
    (objects.find((o) => o.kind === "Service" && o.metadata?.name === "factor") as Record<string, any>).spec.selector = { app: "risk" };
    assert.match(checkServiceWorkload(objects, factor).join("\n"), /selector/);
  });

  const named = (objects: K8sObject[], kind: string, name: string): Record<string, any> =>
    objects.find((o) => o.kind === kind && o.metadata?.name === name) as Record<string, any>;

  test("schema: a PodDisruptionBudget with a string minAvailable that is no int-or-percent is rejected", () => {
    const objects = base();
    named(objects, "PodDisruptionBudget", "risk").spec.minAvailable = { one: 1 };
    assert.notDeepEqual(validateWithModel(named(objects, "PodDisruptionBudget", "risk") as K8sObject), []);
  });

  test("headless: a ClusterIP set, or a selector of other pods, is reported", () => {
    const objects = base();
    named(objects, "Service", "factor-headless").spec.clusterIP = "10.0.0.9";
    named(objects, "Service", "risk-headless").spec.selector = { app: "factor" };
    const problems = checkHeadlessServices(objects).join("\n");
    assert.match(problems, /Service\/factor-headless: clusterIP must be None/);
    assert.match(problems, /Service\/risk-headless: selector must match exactly Deployment\/risk's pods, matches \["factor"\]/);
  });

  test("budget: a selector matching no Deployment, or minAvailable ≥ replicas, is reported", () => {
    const objects = base();
    named(objects, "PodDisruptionBudget", "factor").spec.selector.matchLabels = { app: "nope" };
    named(objects, "PodDisruptionBudget", "risk").spec.minAvailable = 3;
    const problems = checkDisruptionBudgets(objects).join("\n");
    assert.match(problems, /PodDisruptionBudget\/factor: selector must match exactly one Deployment's pods, matches 0/);
    assert.match(problems, /PodDisruptionBudget\/risk: minAvailable 3 ≥ Deployment\/risk replicas 3/);
  });

  test("autoscaler: a missing target, a non-CPU metric or a container without cpu request is reported", () => {
    const objects = base();
    named(objects, "HorizontalPodAutoscaler", "factor").spec.scaleTargetRef.name = "factr";
    named(objects, "HorizontalPodAutoscaler", "risk").spec.metrics = [
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 70 } } },
    ];
    delete deployment(objects, "risk").spec.template.spec.containers[0].resources.requests.cpu;
    const problems = checkAutoscalers(objects).join("\n");
    assert.match(problems, /HorizontalPodAutoscaler\/factor: scaleTargetRef .*factr.* is not an existing apps\/v1 Deployment/);
    assert.match(problems, /HorizontalPodAutoscaler\/risk: needs a cpu Resource metric/);
    assert.match(problems, /HorizontalPodAutoscaler\/risk: container server of Deployment\/risk has no cpu request/);
  });

  test("scale-out: a plain http peer URL, a missing headless Service or fewer replicas are reported", () => {
    const objects = base();
    named(objects, "ConfigMap", "sigma-config").data.SIGMA_FACTOR_URL = "http://factor:50053";
    named(objects, "ConfigMap", "sigma-config").data.SIGMA_RISK_URL = "dns:///risk-headless:50099";
    deployment(objects, "snapshot").spec.replicas = 1;
    const problems = checkScaleOut(objects, SCALED_SERVICES, SIGMA_SERVICES, { expectReplicas: true }).join("\n");
    assert.match(problems, /SIGMA_FACTOR_URL must be dns:\/\/\/factor-headless:50053/);
    assert.match(problems, /SIGMA_RISK_URL: Service\/risk-headless has no port 50099/);
    assert.match(problems, /Deployment\/snapshot: replicas must be 2, got 1/);
    const without = objects.filter((o) => !(o.kind === "Service" && o.metadata?.name === "snapshot-headless"));
    assert.match(
      checkScaleOut(without, SCALED_SERVICES, SIGMA_SERVICES, { expectReplicas: true }).join("\n"),
      /Service\/snapshot-headless missing/,
    );
  });

  test("cron: another schedule or concurrency policy is reported", () => {
    const objects = base();
    const cj = objects.find((o) => o.kind === "CronJob") as Record<string, any>;
    cj.spec.schedule = "30 23 * * *";
    cj.spec.concurrencyPolicy = "Allow";
    const problems = checkCronJob(objects).join("\n");
    assert.match(problems, /schedule/);
    assert.match(problems, /Forbid/);
  });

  test("references: a secretKeyRef to a missing key is reported", () => {
    const objects = base();
    deployment(objects, "factor").spec.template.spec.containers[0].env.push({
      name: "X",
      valueFrom: { secretKeyRef: { name: "sigma-secrets", key: "NOPE" } },
    });
    assert.match(checkConfigReferences(objects, generatedSecrets).join("\n"), /no key NOPE/);
    assert.match(checkConfigReferences(objects).join("\n"), /refers to missing Secret\/sigma-secrets/);
  });

  test("placeholders: a REPLACE-ME in a literal env value is reported", () => {
    const objects = base();
    deployment(objects, "factor").spec.template.spec.containers[0].env.push({ name: "X", value: "REPLACE-ME" });
    assert.match(checkNoPlaceholders(objects).join("\n"), /Deployment\/factor env X still holds a REPLACE-ME/);
  });
});
