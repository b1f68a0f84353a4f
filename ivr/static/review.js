// The review area's script: GOV.UK Frontend's components, and two small helps for forms.
// A file, never inline, so the Content-Security-Policy can keep script-src 'self'.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// The calls filter form posts its CSRF token only with "Export": "Show calls" makes a clean link.
for (const form of document.querySelectorAll("form[method=get]")) {
  form.addEventListener("submit", (event) => {
    const token = form.querySelector("[data-only-for=export]");
    if (token) token.disabled = event.submitter?.getAttribute("formmethod") !== "post";
  });
}

// An export being prepared: look again every two seconds, then download it when it is ready.
const pending = document.querySelector("[data-export-status]");
if (pending) {
  const look = async () => {
    const answer = await fetch(pending.dataset.exportStatus, { headers: { Accept: "application/json" } });
    const state = await answer.json();
    if (state.ready) {
      window.location.assign(state.download);
      pending.textContent = "Your file is ready: the download has started.";
    } else if (state.failed) {
      window.location.reload();
    } else {
      pending.textContent = `Preparing the file: ${state.rows.toLocaleString("en-GB")} calls written so far.`;
      window.setTimeout(look, 2000);
    }
  };
  window.setTimeout(look, 1000);
}
