import { after } from "node:test";
after(() => {
  setTimeout(() => {
    const hs = (process as any)._getActiveHandles();
    console.error("ACTIVE HANDLES", hs.map((h: any) => h.constructor?.name + " " + (h.remotePort ?? "") + " " + (h.localPort ?? "") + " " + (h._idleTimeout ?? "")));
  }, 1000).unref();
});
