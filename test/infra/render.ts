import { spawnSync } from "node:child_process";
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
      return { renderer: "kubectl", objects: parseYamlStream(result.stdout, `kubectl kustomize ${dir}`) };
    }
    if ((result.error as NodeJS.ErrnoException).code !== "ENOENT") throw result.error;
  }
  return { renderer: "builtin", objects: renderKustomizationLite(dir) };
}
