// Follow-up archive page: say the archive is being prepared once its download link is pressed
// (a file, not inline, so the Content-Security-Policy can forbid inline scripts).
document.querySelectorAll("[data-archive-download]").forEach((link) => {
  link.addEventListener("click", () => {
    const status = link.parentElement.querySelector("[data-archive-status]");
    if (status) status.hidden = false;
  });
});
