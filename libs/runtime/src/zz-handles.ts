import { after } from "node:test";
after(() => {
  const t0 = Date.now();
  const iv = setInterval(() => {
    console.error("ACTIVE", Date.now() - t0, (process as any).getActiveResourcesInfo().join(","));
  }, 3000);
  iv.unref();
});
