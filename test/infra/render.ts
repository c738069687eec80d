import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { renderKustomizationLite } from "./kustomize-lite.js";
import { parseYamlStream, type K8sObject } from "./yaml-docs.js";

/** Which renderer produced a result. */
export type Renderer = "kubectl" | "builtin";

/** Objects rendered from one kustomization, and which renderer made them. */
export interface Rendered {
  readonly renderer: Renderer;
  readonly objects: K8sObject[];
}

/**
 * Renders a kustomization with `kubectl kustomize DIR`, or with the built-in subset renderer
 * when kubectl is not installed (ENOENT). A kubectl that runs and fails is an error, never a
 * reason to fall back, since that would hide a broken kustomization.
 *
 * @param dir Kustomization directory.
 * @param kubectl Executable to try (default: `kubectl` on PATH); `null` forces the built-in renderer.
 * @throws Error with kubectl's stderr when it exits non-zero; whatever the built-in renderer throws.
 */
export function renderKustomize(dir: string, kubectl: string | null = "kubectl"): Rendered {
  if (kubectl !== null) {
    const result = spawnSync(kubectl, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error === undefined) {
      if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed (${result.status}): ${result.stderr}`);
      return { renderer: "kubectl", objects: parseYamlStream(result.stdout, `kubectl kustomize ${dir}`).map(unwrapSecretData) };
    }
    if ((result.error as NodeJS.ErrnoException).code !== "ENOENT") throw result.error;
  }
  return { renderer: "builtin", objects: renderKustomizationLite(dir) };
}

/** Where the secretGenerator env files of a render came from. */
export type SecretsSource = "operator" | "examples";

/**
 * Renders an overlay whose secretGenerator reads git-ignored env files (`secrets.env`). When the
 * operator's files exist they are used, so a placeholder left in them is caught before `kubectl
 * apply`; otherwise (a fresh clone, CI), or with `useExamples`, the k8s tree is copied to a temp
 * dir and each missing file is written from its committed `<file>.example` through `fill`.
 *
 * @param k8sRoot - the repo's k8s/ directory.
 * @param overlay - the overlay directory, relative to k8sRoot (e.g. "overlays/dev").
 * @param opts.fill - turns an example's text into the env file to render with.
 * @param opts.useExamples - ignore the operator's files (tests of the checks themselves).
 * @throws Error when an env file has neither the file nor its example, or the render fails.
 */
export function renderWithSecrets(
  k8sRoot: string,
  overlay: string,
  opts: { fill: (example: string) => string; useExamples?: boolean; kubectl?: string | null },
): Rendered & { secrets: SecretsSource } {
  const dir = path.join(k8sRoot, overlay);
  const envFiles = secretEnvFiles(dir);
  if (!opts.useExamples && envFiles.every((f) => existsSync(path.join(dir, f)))) {
    return { ...renderKustomize(dir, opts.kubectl), secrets: "operator" };
  }
  const tmp = mkdtempSync(path.join(tmpdir(), "sigma-k8s-"));
  try {
    const root = path.join(tmp, "k8s");
    cpSync(k8sRoot, root, { recursive: true });
    for (const f of envFiles) {
      const example = path.join(dir, `${f}.example`);
      if (!existsSync(example)) throw new Error(`${path.join(dir, f)} is missing and has no ${f}.example`);
      writeFileSync(path.join(root, overlay, f), opts.fill(readFileSync(example, "utf8")));
    }
    return { ...renderKustomize(path.join(root, overlay), opts.kubectl), secrets: "examples" };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The env files the kustomization in `dir` feeds its secretGenerator. */
function secretEnvFiles(dir: string): string[] {
  const [k] = parseYamlStream(readFileSync(path.join(dir, "kustomization.yaml"), "utf8"), dir);
  const generators = Array.isArray(k?.["secretGenerator"]) ? (k["secretGenerator"] as Record<string, unknown>[]) : [];
  return generators.flatMap((g) => (Array.isArray(g["envs"]) ? g["envs"].map(String) : []));
}

/**
 * kubectl wraps long base64 Secret values over several lines; the API server's decoder skips the
 * line breaks but the schema's "byte" format does not, so they are removed here.
 */
function unwrapSecretData(o: K8sObject): K8sObject {
  const data = o.kind === "Secret" ? (o as Record<string, unknown>)["data"] : undefined;
  if (data === null || typeof data !== "object") return o;
  const unwrapped = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === "string" ? v.replace(/\s+/g, "") : v]));
  return { ...o, data: unwrapped };
}
