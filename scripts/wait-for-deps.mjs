// Checks that Postgres and NATS answer before the integration tests start, with a clear message
// (and the command that starts them) instead of a wall of connection errors.
import net from "node:net";

const targets = [
  {
    name: "Postgres",
    url: new URL(process.env.DATABASE_URL ?? "postgres://127.0.0.1:5432"),
    port: 5432,
    hint: "pg_ctlcluster --skip-systemctl-redirect 15 main start (or run .ci/run)",
  },
  {
    name: "NATS",
    url: new URL(process.env.NATS_URL ?? "nats://127.0.0.1:4222"),
    port: 4222,
    hint: "nats-server -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server & (or run .ci/run)",
  },
];

const probe = (host, port) =>
  new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false)).on("timeout", () => {
      s.destroy();
      resolve(false);
    });
  });

let failed = false;
for (const t of targets) {
  const host = t.url.hostname || "127.0.0.1";
  const port = Number(t.url.port || t.port);
  let ok = false;
  for (let i = 0; i < 20 && !ok; i++) {
    ok = await probe(host, port);
    if (!ok) await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${t.name} at ${host}:${port}: ${ok ? "up" : "DOWN"}`);
  if (!ok) {
    console.error(`  start it with: ${t.hint}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
