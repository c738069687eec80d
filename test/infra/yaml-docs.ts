import { parseAllDocuments } from "yaml";

/** A Kubernetes object as parsed from YAML: only the type meta and name are assumed. */
export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Parses a multi-document YAML stream into plain objects.
 *
 * Empty documents (a trailing `---`, comment-only documents) are dropped, as kubectl does.
 * YAML 1.1 merge keys (`<<:`) are resolved because docker-compose files use them.
 *
 * @param text YAML source.
 * @param source Name used in error messages (file path or "kubectl kustomize DIR").
 * @returns One entry per non-empty document, in order.
 * @throws Error naming `source` on any YAML syntax error, or when a document is not a mapping.
 */
export function parseYamlStream(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text, { merge: true })) {
    if (doc.errors.length > 0) {
      throw new Error(`${source}: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isPlainObject(value)) {
      throw new Error(`${source}: expected a mapping per document, got ${typeof value}`);
    }
    objects.push(value as K8sObject);
  }
  return objects;
}

/** True for `{...}` values (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
