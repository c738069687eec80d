import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { renderKustomizationLite, rewriteImage, strategicMerge } from "./kustomize-lite.js";

describe("strategicMerge", () => {
  test("merges maps, deletes on null, replaces scalars and unnamed lists", () => {
    const base = { a: { b: 1, c: 2 }, d: [1, 2], e: "x" };
    assert.deepEqual(strategicMerge(base, { a: { c: 3, n: null }, d: [9], e: null }), { a: { b: 1, c: 3 }, d: [9] });
    assert.deepEqual(base, { a: { b: 1, c: 2 }, d: [1, 2], e: "x" }, "input untouched");
  });

  test("merges named list items by name and appends new names", () => {
    const base = { containers: [{ name: "server", image: "x", resources: { limits: { cpu: "1" } } }] };
    const patch = {
      containers: [
        { name: "server", resources: { requests: { cpu: "50m" } } },
        { name: "sidecar", image: "y" },
      ],
    };
    assert.deepEqual(strategicMerge(base, patch), {
      containers: [
        { name: "server", image: "x", resources: { limits: { cpu: "1" }, requests: { cpu: "50m" } } },
        { name: "sidecar", image: "y" },
      ],
    });
  });

  test("refuses $patch directives instead of ignoring them", () => {
    assert.throws(() => strategicMerge({ a: 1 }, { $patch: "replace" }), /not supported/);
  });
});

describe("rewriteImage", () => {
  const rules = [
    { name: "sigma", newTag: "dev" },
    { name: "reg:5000/team/app", newName: "mirror/app" },
  ];
  test("sets a tag on bare and tagged names", () => {
    assert.equal(rewriteImage("sigma", rules), "sigma:dev");
    assert.equal(rewriteImage("sigma:0.1.0", rules), "sigma:dev");
  });
  test("keeps the tag when only the name changes; registry ports are not tags", () => {
    assert.equal(rewriteImage("reg:5000/team/app:1.2", rules), "mirror/app:1.2");
  });
  test("leaves other images alone", () => {
    assert.equal(rewriteImage("sigmax:1", rules), "sigmax:1");
  });
});

describe("renderKustomizationLite", () => {
  const root = mkdtempSync(path.join(tmpdir(), "kustomize-lite-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  write("base/kustomization.yaml", "resources:\n  - app.yaml\nimages:\n  - name: app\n    newTag: '1'\n");
  write(
    "base/app.yaml",
    [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: c\n          image: app\n",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  A: a\n",
      "",
    ].join("---\n"),
  );
  write(
    "dev/kustomization.yaml",
    "namespace: dev\nresources:\n  - ../base\npatches:\n  - path: p.yaml\nimages:\n  - name: app\n    newTag: dev\n",
  );
  write("dev/p.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n");

  test("renders resources, patches, namespace and images through a base", () => {
    const objects = renderKustomizationLite(path.join(root, "dev")) as Record<string, any>[];
    assert.equal(objects.length, 2, "the empty trailing document is dropped");
    const [deployment, config] = objects;
    assert.equal(deployment!.spec.replicas, 1);
    assert.equal(deployment!.spec.template.spec.containers[0].image, "app:dev");
    assert.equal(deployment!.metadata.namespace, "dev");
    assert.equal(config!.metadata.namespace, "dev");
  });

  test("throws on fields it does not implement", () => {
    write("bad/kustomization.yaml", "resources: []\ncommonLabels:\n  a: b\n");
    assert.throws(() => renderKustomizationLite(path.join(root, "bad")), /commonLabels/);
  });

  test("throws when a patch target does not exist", () => {
    write("badpatch/kustomization.yaml", "resources:\n  - ../base\npatches:\n  - path: p.yaml\n");
    write("badpatch/p.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nope\n");
    assert.throws(() => renderKustomizationLite(path.join(root, "badpatch")), /Deployment\/nope not found/);
  });
});
