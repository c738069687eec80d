/** The status web page and its HTTP/1.1 + HTTP/2 endpoints (page, script, JSON, log download, SSE, retry). */
export * from "./client-bundle.js";
export * from "./http.js";
export * from "./http-errors.js";
export * from "./page.js";
export * from "./app-api.js";
export * from "./transport.js";
