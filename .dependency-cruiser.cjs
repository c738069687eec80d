/**
 * Dependency rules of the Sigma monorepo (dependency-cruiser; run by scripts/test.sh).
 * Layers: a service's domain/ is pure use cases; services talk through contracts, never through
 * each other's files; libs are below services; no cycles.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      severity: "error",
      comment:
        "A service's domain/ never imports its store/ or handlers/, nor the transport and storage packages " +
        "(@connectrpc/*, typeorm, pg, nats).",
      from: { path: "^services/[^/]+/src/domain/", pathNot: "\\.test\\.ts$" },
      to: {
        path: ["^services/[^/]+/src/(store|handlers)/", "(^|/)node_modules/@connectrpc/", "(^|/)node_modules/(typeorm|pg|nats)/"],
      },
    },
    {
      name: "no-other-service-internals",
      severity: "error",
      comment: "A service imports another service only through its public entry point (src/app.ts or src/index.ts).",
      from: { path: "^services/([^/]+)/" },
      to: {
        path: "^services/[^/]+/",
        pathNot: ["^services/$1/", "^services/[^/]+/src/(app|index)\\.ts$"],
      },
    },
    {
      name: "only-public-service-entry-points",
      severity: "error",
      comment: "Scripts and whole-system tests use a service only through its public entry point (or run it as a process).",
      from: { path: "^(scripts|test)/" },
      to: {
        path: "^services/[^/]+/",
        pathNot: "^services/[^/]+/src/(app|index)\\.ts$",
      },
    },
    {
      name: "libs-never-import-services",
      severity: "error",
      from: { path: "^libs/" },
      to: { path: "^services/" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["(^|/)gen/", "^third_party/", "^libs/contracts/src/gen/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    combinedDependencies: true,
  },
};
