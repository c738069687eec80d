/** The sign-in form: a bearer token (from `sigma token --user NAME`) kept for this browser session. */
import { TOKEN_KEY } from "./api.js";
import { h } from "./dom.js";

/** Renders the sign-in form; `reason` says why it is shown (e.g. the token expired). */
export function signinView(root: HTMLElement, reason: string): void {
  const input = h("textarea", { id: "token", name: "token", rows: 4, required: true, autocomplete: "off", spellcheck: "false" });
  const form = h(
    "form",
    {
      id: "signin-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        sessionStorage.setItem(TOKEN_KEY, token);
        const next = new URLSearchParams(location.search).get("next");
        location.assign(next?.startsWith("/") ? next : "/");
      },
    },
    h("label", { for: "token" }, "Access token"),
    input,
    h(
      "p",
      { class: "muted" },
      "Get one with ",
      h("code", {}, "sigma token --user NAME"),
      ". It is kept only for this browser tab's session.",
    ),
    h("button", { type: "submit" }, "Sign in"),
  );
  root.replaceChildren(h("h1", {}, "Sign in"), reason ? h("p", { class: "notice", role: "alert" }, reason) : "", form);
  input.focus();
}
