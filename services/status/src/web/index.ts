/** The status web page and its HTTP/1.1 + HTTP/2 endpoints (page, JSON, log download, SSE, retry). */
export * from "./client-script.js";
export * from "./http.js";
export * from "./page.js";
