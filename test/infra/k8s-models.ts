import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import type { K8sObject } from "./yaml-docs.js";

// Every kind k8s/ may contain. A new kind must be added here, so nothing escapes schema checks.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "batch/v1/CronJob": CronJob,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
};

/**
 * Validates one object against the Kubernetes OpenAPI schema (kubernetes-models 4.5.1).
 *
 * @param object A parsed manifest document.
 * @returns Problems as `Kind/name: message` strings; empty when valid. An apiVersion/kind with
 *   no registered model is a problem, not a skip.
 */
export function validateWithModel(object: K8sObject): string[] {
  const id = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (Model === undefined) return [`${id}: no schema model registered for ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return [`${id}: ${(err as Error).message}`];
  }
}
