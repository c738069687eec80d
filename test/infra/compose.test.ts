// Offline validation of docker-compose.yml: `docker compose config` needs the compose plugin
// (absent here) so the file is parsed with `yaml` and checked against Sigma's conventions.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkCompose, composeEntryPoints } from "./compose-checks.js";
import { SIGMA_SERVICES } from "./sigma-services.js";
import { parseYamlStream } from "./yaml-docs.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const composePath = path.join(repoRoot, "docker-compose.yml");
const load = (): Record<string, any> => {
  const docs = parseYamlStream(readFileSync(composePath, "utf8"), composePath);
  assert.equal(docs.length, 1, "docker-compose.yml must be a single document");
  return docs[0] as Record<string, any>;
};

test("docker-compose.yml: infra, six services, healthchecks, healthy dependencies", () => {
  assert.deepEqual(checkCompose(load(), SIGMA_SERVICES), []);
});

test("docker-compose.yml: every command entry point exists in the repo", () => {
  const used = composeEntryPoints(load());
  assert.ok(used.length >= SIGMA_SERVICES.length);
  const missing = used.filter((p) => !existsSync(path.join(repoRoot, p)));
  assert.deepEqual(missing, [], "compose starts files that do not exist (services/<name>/src/main.ts)");
});

test("docker-compose.yml: sigma containers are hardened like the pods", () => {
  const { services } = load();
  for (const { name } of SIGMA_SERVICES) {
    const svc = services[name];
    assert.equal(svc.user, "1000:1000", name);
    assert.equal(svc.read_only, true, name);
    assert.ok(svc.tmpfs.includes("/tmp"), name);
    assert.deepEqual(svc.cap_drop, ["ALL"], name);
  }
});

describe("checkCompose rejects broken files", () => {
  test("a service without a healthcheck", () => {
    const compose = load();
    delete compose["services"].risk.healthcheck;
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /risk: no healthcheck/);
  });

  test("a service that only waits for nats to start", () => {
    const compose = load();
    compose["services"].factor.depends_on = ["postgres", "nats"];
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /factor: must depend on postgres/);
  });

  test("a missing nats or JetStream disabled", () => {
    const compose = load();
    compose["services"].nats.command = ["-m", "8222"];
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /JetStream/);
    delete compose["services"].nats;
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /nats: missing/);
  });

  test("a command pointing at the wrong service", () => {
    const compose = load();
    compose["services"].snapshot.command = ["node", "--import", "tsx", "services/risk/src/main.ts"];
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /snapshot: command/);
  });

  test("postgres or nats published on the host", () => {
    const compose = load();
    compose["services"].postgres.ports = ["5432:5432"];
    compose["services"].nats.ports = ["4222:4222"];
    const problems = checkCompose(compose, SIGMA_SERVICES).join("\n");
    assert.match(problems, /postgres: must not publish host ports \(got 5432:5432\)/);
    assert.match(problems, /nats: must not publish host ports \(got 4222:4222\)/);
  });

  test("a wrong PORT", () => {
    const compose = load();
    compose["services"].status.environment.PORT = "50051";
    assert.match(checkCompose(compose, SIGMA_SERVICES).join("\n"), /status: environment PORT/);
  });
});
