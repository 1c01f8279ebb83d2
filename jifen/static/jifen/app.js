// Small behaviours for the server-rendered pages. No inline scripts (a strict CSP stays possible).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-nav-toggle]");
  if (toggle) {
    const open = document.body.classList.toggle("nav-open");
    toggle.setAttribute("aria-expanded", String(open));
    return;
  }
  const twisty = event.target.closest("[data-twisty]");
  if (twisty) {
    const node = twisty.closest(".tree-node");
    const expanded = twisty.getAttribute("aria-expanded") === "true";
    if (expanded) {
      // Collapse without asking the server again; expanding re-fetches (fresh head counts).
      event.preventDefault();
      event.stopImmediatePropagation();
      node.querySelector(":scope > .branch").innerHTML = "";
    }
    twisty.setAttribute("aria-expanded", String(!expanded));
    twisty.textContent = expanded ? "▸" : "▾";
    return;
  }
  const confirmer = event.target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.dataset.confirm)) {
    event.preventDefault();
  }
}, true);

document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) event.target.form.requestSubmit();
});
