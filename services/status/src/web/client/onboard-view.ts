/**
 * Onboarding: pick or drop a portfolio CSV, name it, optionally give the starting equity. A
 * rejected file lists every problem (row, column, code, message); an accepted one opens the
 * live onboarding screen of its run.
 */
import { apiError, authHeaders, errorText } from "./api.js";
import { h, table } from "./dom.js";
import type { OnboardJson } from "./types.js";

/** SPEC §6: at most 10 MB. */
const MAX_BYTES = 10 * 1024 * 1024;

/** Renders the onboarding form into `root`. */
export function onboardView(root: HTMLElement): void {
  const file = h("input", { id: "csv-file", type: "file", accept: ".csv,text/csv", required: true });
  const name = h("input", { id: "portfolio-name", type: "text", required: true, maxlength: 200, autocomplete: "off" });
  const equity = h("input", { id: "starting-equity", type: "number", min: "0", step: "any", inputmode: "decimal" });
  const status = h("div", { id: "onboard-status", role: "status", "aria-live": "polite" });
  const problems = h("div", { id: "onboard-problems" });
  const submit = h("button", { type: "submit", id: "onboard-submit" }, "Start onboarding");
  let dropped: File | null = null;

  const chosen = (): File | null => dropped ?? file.files?.[0] ?? null;
  const drop = h(
    "div",
    {
      id: "drop-zone",
      class: "drop",
      tabindex: 0,
      role: "button",
      "aria-label": "Drop a portfolio CSV here, or press Enter to choose a file",
      onclick: () => file.click(),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key;
        if (k === "Enter" || k === " ") {
          e.preventDefault();
          file.click();
        }
      },
      ondragover: (e: Event) => {
        e.preventDefault();
        drop.classList.add("over");
      },
      ondragleave: () => drop.classList.remove("over"),
      ondrop: (e: Event) => {
        e.preventDefault();
        drop.classList.remove("over");
        const f = (e as DragEvent).dataTransfer?.files?.[0];
        if (f) {
          dropped = f;
          picked();
        }
      },
    },
    "Drop a portfolio CSV here or choose a file",
  );
  const picked = (): void => {
    const f = chosen();
    drop.textContent = f ? `${f.name} (${Math.ceil(f.size / 1024)} KB)` : "Drop a portfolio CSV here or choose a file";
    if (f && !name.value) name.value = f.name.replace(/\.csv$/i, "");
  };
  file.addEventListener("change", () => {
    dropped = null;
    picked();
  });

  const form = h(
    "form",
    {
      id: "onboard-form",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        problems.replaceChildren();
        const f = chosen();
        if (!f) {
          status.textContent = "Choose a CSV file first.";
          return;
        }
        if (f.size > MAX_BYTES) {
          status.textContent = `${f.name} is ${(f.size / 1048576).toFixed(1)} MB; a portfolio file may be at most 10 MB.`;
          return;
        }
        submit.disabled = true;
        status.textContent = "Uploading and checking the file\u2026";
        try {
          const q = new URLSearchParams({ name: name.value.trim() });
          if (equity.value.trim()) q.set("equity", equity.value.trim());
          const res = await fetch(`/api/onboard?${q}`, {
            method: "POST",
            headers: authHeaders({ "Content-Type": "text/csv" }),
            body: f,
          });
          if (!res.ok) throw await apiError(res);
          const answer = (await res.json()) as OnboardJson;
          if (answer.errors.length) {
            status.textContent = `The file was rejected: ${answer.errors.length} problem${answer.errors.length === 1 ? "" : "s"}. Nothing was stored; fix the file and upload it again.`;
            problems.replaceChildren(
              table(
                "Problems in the file",
                ["Row", "Column", "Code", "Message"],
                answer.errors.map((x) => [
                  String(x.row || "\u2013"),
                  x.column || "\u2013",
                  x.code.replace(/^IMPORT_ERROR_CODE_/, ""),
                  x.message,
                ]),
                { id: "problems-table" },
              ),
            );
            return;
          }
          location.assign(`/?run=${encodeURIComponent(answer.runId)}`);
        } catch (err) {
          status.textContent = `Upload failed: ${errorText(err)}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    drop,
    h("label", { for: "csv-file" }, "Portfolio CSV"),
    file,
    h("label", { for: "portfolio-name" }, "Name"),
    name,
    h("label", { for: "starting-equity" }, "Starting equity (optional; default: the positions' entry value)"),
    equity,
    submit,
  );
  root.replaceChildren(
    h("h1", {}, "Onboard a portfolio"),
    h(
      "p",
      { class: "muted" },
      "Columns: Symbol, Quantity, Entry Price Per Share, Entry Date (required), then Investment Class, option fields and exit fields. At most 10 MB.",
    ),
    form,
    status,
    problems,
  );
}
