import assert from "node:assert/strict";
import { test } from "node:test";
import { verifyToken } from "@sigma/runtime";
import { runSigma } from "../cli.js";
import { capture } from "../testing/fake-services.js";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";

async function sigma(args: string[], env: Record<string, string>) {
  const c = capture(env, {});
  const code = await runSigma(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

test("sigma token signs a token the services accept, with the asked roles and lifetime", async () => {
  const r = await sigma(["token", "--user", "alice", "--ttl", "2h"], { SIGMA_JWT_SECRET: SECRET });
  assert.equal(r.code, 0, r.stderr);
  const token = r.stdout.trim();
  assert.deepEqual(await verifyToken(SECRET, token), { sub: "alice", roles: ["user"] });
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { iat: number; exp: number };
  assert.equal(payload.exp - payload.iat, 7200);
  assert.match(r.stderr, /token for alice, expires/);

  const admin = await sigma(["--json", "token", "--user", "ops", "--admin"], { SIGMA_JWT_SECRET: SECRET });
  assert.equal(admin.code, 0, admin.stderr);
  const out = JSON.parse(admin.stdout) as { token: string; roles: string[]; sub: string };
  assert.deepEqual(out.roles, ["user", "admin"]);
  assert.deepEqual(await verifyToken(SECRET, out.token), { sub: "ops", roles: ["user", "admin"] });
});

test("sigma token refuses what the services would refuse: no secret, a lifetime over SIGMA_JWT_MAX_TTL, a bad name", async () => {
  const none = await sigma(["token", "--user", "alice"], {});
  assert.equal(none.code, 2);
  assert.match(none.stderr, /SIGMA_JWT_SECRET is not set/);
  const long = await sigma(["token", "--user", "alice", "--ttl", "2h"], { SIGMA_JWT_SECRET: SECRET, SIGMA_JWT_MAX_TTL: "1h" });
  assert.equal(long.code, 2);
  assert.match(long.stderr, /longer than SIGMA_JWT_MAX_TTL \(3600 s\)/);
  const bad = await sigma(["token", "--user", "a b"], { SIGMA_JWT_SECRET: SECRET });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--user must be/);
  const ttl = await sigma(["token", "--user", "alice", "--ttl", "soon"], { SIGMA_JWT_SECRET: SECRET });
  assert.equal(ttl.code, 2);
  assert.match(ttl.stderr, /--ttl must be a duration/);
});
