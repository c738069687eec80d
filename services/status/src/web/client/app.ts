/**
 * The web app's router: the bare root URL (portfolios and recent runs), `/onboard`,
 * `/portfolios/ID`, `/operator` (admin) and `/signin`; `/?run=ID` and `/?portfolio=ID` are the
 * live run screen (main.ts). Signs the user in when the API answers 401.
 */
import { ApiError, api, errorText, TOKEN_KEY } from "./api.js";
import { h } from "./dom.js";
import { homeView } from "./home-view.js";
import { onboardView } from "./onboard-view.js";
import { operatorView } from "./operator-view.js";
import { portfolioView } from "./portfolio-view.js";
import { signinView } from "./signin-view.js";
import type { MeJson } from "./types.js";

function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e;
}

/** Fills the navigation bar: who is signed in, the admin link, sign out. */
export async function renderNav(): Promise<MeJson | null> {
  const nav = byId("nav-user");
  try {
    const me = await api<MeJson>("/api/me");
    byId("nav-operator").hidden = !me.admin;
    nav.replaceChildren(
      h(
        "span",
        { class: "muted" },
        me.authMode === "dev" ? "dev mode (no sign-in)" : `signed in as ${me.sub}${me.admin ? " (admin)" : ""}`,
      ),
      me.authMode === "dev"
        ? ""
        : h(
            "button",
            {
              type: "button",
              class: "link",
              id: "signout",
              onclick: () => {
                sessionStorage.removeItem(TOKEN_KEY);
                location.assign("/signin");
              },
            },
            "Sign out",
          ),
    );
    return me;
  } catch (err) {
    nav.replaceChildren(h("a", { href: "/signin" }, "Sign in"));
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** Shows the app screen for the current path (not the run screen). */
export async function bootApp(): Promise<void> {
  const root = byId("app");
  root.hidden = false;
  const path = location.pathname;
  if (path === "/signin") {
    // No /api/me here: without a token it would only log a 401.
    byId("nav-user").replaceChildren();
    signinView(root, "");
    return;
  }
  let me: MeJson | null;
  try {
    me = await renderNav();
  } catch (err) {
    root.replaceChildren(h("p", { class: "notice", role: "alert" }, `Sigma is not reachable: ${errorText(err)}`));
    return;
  }
  if (!me) {
    signinView(root, sessionStorage.getItem(TOKEN_KEY) ? "Your token was refused (expired or invalid). Paste a new one." : "");
    return;
  }
  try {
    if (path === "/onboard") onboardView(root);
    else if (path === "/operator") await operatorView(root);
    else if (path.startsWith("/portfolios/")) {
      const id = decodeURIComponent(path.slice("/portfolios/".length));
      await portfolioView(root, id, new URLSearchParams(location.search).get("date") ?? "");
      window.addEventListener("popstate", () => {
        void portfolioView(root, id, new URLSearchParams(location.search).get("date") ?? "");
      });
    } else await homeView(root);
  } catch (err) {
    const denied = err instanceof ApiError && (err.status === 403 || err.status === 404);
    root.replaceChildren(
      h("h1", {}, denied ? "Not found" : "Something went wrong"),
      h("p", { class: "notice", role: "alert", id: "app-error" }, errorText(err)),
      h("p", {}, h("a", { href: "/" }, "Back to your portfolios")),
    );
  }
}
