// Attendance pages: the QR screen's full-screen button and countdown, the roster's confirmations
// and its reason box (only needed for an excused absence).
(function () {
  "use strict";

  function countdown() {
    var code = document.querySelector("[data-seconds-left]");
    var label = document.querySelector("[data-att-countdown]");
    if (!code || !label) return;
    var left = parseInt(code.getAttribute("data-seconds-left"), 10);
    if (isNaN(left)) return;
    var text = label.textContent;
    var match = text.match(/\d+/);
    if (!match) return;
    code.setAttribute("data-seconds-left", String(Math.max(left - 1, 0)));
    label.textContent = text.replace(/\d+/, String(Math.max(left - 1, 0)));
  }

  function reasonBoxes(root) {
    (root || document).querySelectorAll("form.att-mark:not([data-att-ready])").forEach(function (form) {
      form.setAttribute("data-att-ready", "");
      var status = form.querySelector("[data-att-status]");
      var reason = form.querySelector("[data-att-reason]");
      if (!status || !reason) return;
      var sync = function () { reason.hidden = status.value !== "excused"; reason.required = status.value === "excused"; };
      status.addEventListener("change", sync);
      sync();
    });
  }

  document.addEventListener("click", function (event) {
    var full = event.target.closest("[data-att-fullscreen]");
    if (full && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { reasonBoxes(document); });
  document.addEventListener("htmx:afterSettle", function () { reasonBoxes(document); });
  window.setInterval(countdown, 1000);
})();
