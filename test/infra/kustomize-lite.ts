import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { isPlainObject, parseYamlStream, type K8sObject } from "./yaml-docs.js";

/**
 * A deliberately small stand-in for `kubectl kustomize`, used only when kubectl is not installed
 * (some CI images). It supports exactly the features k8s/ uses and throws on anything else, so it
 * can never silently render something different from real kustomize:
 * `resources` (files and directories, recursively), `patches` given by `path` (strategic merge,
 * target taken from the patch's kind and name), `namespace`, `images` (newName/newTag/digest) and
 * `secretGenerator` from `envs` files with `generatorOptions.disableNameSuffixHash: true` (the
 * name hash is not reimplemented).
 * When kubectl is available the tests check this renderer gives the same objects.
 */

const SUPPORTED_FIELDS = new Set([
  "apiVersion",
  "kind",
  "resources",
  "patches",
  "images",
  "namespace",
  "secretGenerator",
  "generatorOptions",
]);
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
// Kinds that must not get a namespace (only those plausible in this repo).
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
  "CustomResourceDefinition",
  "PriorityClass",
]);

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * Renders the kustomization in `dir` to a list of objects.
 *
 * @param dir Directory holding kustomization.yaml (absolute, or relative to the cwd).
 * @returns Objects in resource order (kustomize sorts by kind; compare as sets).
 * @throws Error on a missing kustomization, an unsupported field or patch form, a patch whose
 *   target does not exist, or invalid YAML.
 */
export function renderKustomizationLite(dir: string): K8sObject[] {
  const file = KUSTOMIZATION_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (file === undefined) throw new Error(`${dir}: no kustomization.yaml`);
  const [k] = parseYamlStream(readFileSync(file, "utf8"), file);
  if (k === undefined) throw new Error(`${file}: empty kustomization`);
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED_FIELDS.has(key));
  if (unsupported.length > 0) {
    throw new Error(`${file}: fields not supported by the built-in renderer: ${unsupported.join(", ")}`);
  }

  let objects: K8sObject[] = [];
  for (const entry of asList(k["resources"], "resources", file)) {
    if (typeof entry !== "string") throw new Error(`${file}: resources entries must be paths`);
    const target = path.resolve(dir, entry);
    objects.push(
      ...(statSync(target).isDirectory() ? renderKustomizationLite(target) : parseYamlStream(readFileSync(target, "utf8"), target)),
    );
  }

  objects.push(...generateSecrets(k, dir, file));

  for (const patchEntry of asList(k["patches"], "patches", file)) {
    if (!isPlainObject(patchEntry) || typeof patchEntry["path"] !== "string" || Object.keys(patchEntry).length !== 1) {
      throw new Error(`${file}: only \`patches: - path: FILE\` is supported by the built-in renderer`);
    }
    const patchFile = path.resolve(dir, patchEntry["path"]);
    for (const patch of parseYamlStream(readFileSync(patchFile, "utf8"), patchFile)) {
      objects = applyPatch(objects, patch, patchFile);
    }
  }

  const namespace = k["namespace"];
  if (namespace !== undefined) {
    if (typeof namespace !== "string") throw new Error(`${file}: namespace must be a string`);
    objects = objects.map((o) => (CLUSTER_SCOPED.has(o.kind ?? "") ? o : { ...o, metadata: { ...o.metadata, namespace } }));
  }

  const rules = asList(k["images"], "images", file).map((r) => toImageRule(r, file));
  return rules.length === 0 ? objects : objects.map((o) => rewriteImages(o, rules));
}

/**
 * Strategic-merge subset: mappings merge recursively, a `null` in the patch deletes the key,
 * lists whose items all carry a string `name` (containers, env, volumes, ports with names) merge
 * item by item on that name (new names are appended), any other value is replaced.
 *
 * @param base The object being patched (not modified).
 * @param patch The patch (not modified).
 * @returns A new merged value.
 * @throws Error on `$patch`/`$setElementOrder` directives, which this subset does not implement.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(patch)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith("$")) throw new Error(`strategic-merge directive ${key} is not supported by the built-in renderer`);
      if (value === null) delete out[key];
      else out[key] = key in base ? strategicMerge(base[key], value) : value;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(patch) && allNamed(base) && allNamed(patch)) {
    const out = [...base];
    for (const item of patch) {
      const i = out.findIndex((b) => b.name === item.name);
      if (i === -1) out.push(item);
      else out[i] = strategicMerge(out[i], item) as { name: string };
    }
    return out;
  }
  return patch;
}

/**
 * Applies kustomize's `images` rules to one image reference.
 *
 * @param image e.g. `sigma`, `sigma:0.1.0`, `registry:5000/team/sigma:1@sha256:...`.
 * @param rules Rules matched on the reference's name (everything before the tag/digest).
 * @returns The rewritten reference, or `image` unchanged when no rule matches.
 */
export function rewriteImage(image: string, rules: readonly ImageRule[]): string {
  const { name, tag, digest } = splitImage(image);
  const rule = rules.find((r) => r.name === name);
  if (rule === undefined) return image;
  const newName = rule.newName ?? name;
  if (rule.digest !== undefined) return `${newName}@${rule.digest}`;
  if (rule.newTag !== undefined) return `${newName}:${rule.newTag}`;
  return newName + (tag !== undefined ? `:${tag}` : "") + (digest !== undefined ? `@${digest}` : "");
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const [ref = "", digest] = image.split("@", 2);
  // A ':' after the last '/' separates the tag; earlier ones belong to a registry port.
  const colon = ref.lastIndexOf(":");
  const hasTag = colon > ref.lastIndexOf("/");
  return {
    name: hasTag ? ref.slice(0, colon) : ref,
    ...(hasTag ? { tag: ref.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

function applyPatch(objects: K8sObject[], patch: K8sObject, source: string): K8sObject[] {
  const name = patch.metadata?.name;
  const index = objects.findIndex((o) => o.kind === patch.kind && o.metadata?.name === name);
  if (index === -1) throw new Error(`${source}: patch target ${patch.kind}/${name} not found`);
  return objects.map((o, i) => (i === index ? (strategicMerge(o, patch) as K8sObject) : o));
}

function rewriteImages(object: K8sObject, rules: readonly ImageRule[]): K8sObject {
  // Deep copy first so that rewriting containers in place cannot touch the input.
  const copy = structuredClone(object);
  for (const podSpec of podSpecsOf(copy)) {
    for (const list of ["containers", "initContainers"]) {
      const containers = podSpec[list];
      if (!Array.isArray(containers)) continue;
      for (const c of containers) {
        if (isPlainObject(c) && typeof c["image"] === "string") c["image"] = rewriteImage(c["image"], rules);
      }
    }
  }
  return copy;
}

/** Pod specs inside workload objects (Deployment-like templates and CronJob job templates). */
export function podSpecsOf(object: K8sObject): Record<string, unknown>[] {
  const spec = object["spec"];
  if (!isPlainObject(spec)) return [];
  const found: Record<string, unknown>[] = [];
  const fromTemplate = (holder: unknown): void => {
    if (isPlainObject(holder) && isPlainObject(holder["template"]) && isPlainObject(holder["template"]["spec"])) {
      found.push(holder["template"]["spec"]);
    }
  };
  fromTemplate(spec);
  if (isPlainObject(spec["jobTemplate"])) fromTemplate(spec["jobTemplate"]["spec"]);
  if (object.kind === "Pod") found.push(spec);
  return found;
}

function toImageRule(raw: unknown, file: string): ImageRule {
  if (!isPlainObject(raw) || typeof raw["name"] !== "string") throw new Error(`${file}: images entries need a name`);
  const rule: ImageRule = { name: raw["name"] };
  for (const key of ["newName", "newTag", "digest"] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== "string") throw new Error(`${file}: images.${key} must be a string`);
    rule[key] = v;
  }
  return rule;
}

function asList(value: unknown, field: string, file: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${file}: ${field} must be a list`);
  return value;
}

function allNamed(items: unknown[]): items is { name: string }[] {
  return items.every((i) => isPlainObject(i) && typeof i["name"] === "string");
}

/** Secrets of `secretGenerator` entries (name + `envs` files), as kustomize renders them: base64 `data`, type Opaque. */
function generateSecrets(k: Record<string, unknown>, dir: string, file: string): K8sObject[] {
  const generators = asList(k["secretGenerator"], "secretGenerator", file);
  if (generators.length === 0) return [];
  const options = k["generatorOptions"];
  if (!isPlainObject(options) || options["disableNameSuffixHash"] !== true || Object.keys(options).length !== 1) {
    throw new Error(`${file}: the built-in renderer needs generatorOptions: { disableNameSuffixHash: true } and nothing else`);
  }
  return generators.map((g) => {
    if (!isPlainObject(g) || typeof g["name"] !== "string" || Object.keys(g).some((key) => key !== "name" && key !== "envs")) {
      throw new Error(`${file}: only secretGenerator entries with name and envs are supported by the built-in renderer`);
    }
    const data: Record<string, string> = {};
    for (const envFile of asList(g["envs"], "secretGenerator.envs", file)) {
      const envPath = path.resolve(dir, String(envFile));
      for (const [key, value] of parseEnvFile(readFileSync(envPath, "utf8"), envPath)) data[key] = Buffer.from(value).toString("base64");
    }
    return { apiVersion: "v1", kind: "Secret", metadata: { name: g["name"] }, type: "Opaque", data };
  });
}

/**
 * KEY=value lines of a kustomize env file: leading blanks dropped, `#` comments and empty lines
 * skipped, the value taken verbatim.
 *
 * @throws Error on a line without `=` (kustomize would read the value from its own environment).
 */
export function parseEnvFile(text: string, source: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trimStart();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`${source}:${i + 1}: expected KEY=value`);
    entries.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return entries;
}
