// Quiz page: show the time left that the server gave us, and submit the answers when it runs out.
// The server keeps the real deadline; this countdown is only a display.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + pad(s);
  }
  function init() {
    var form = document.querySelector("[data-quiz-form]");
    if (!form) { return; }
    var submitted = false;
    form.addEventListener("submit", function () {
      submitted = true;
      var button = form.querySelector("[data-submit]");
      if (button) { button.disabled = true; }
    });
    var timer = form.querySelector("[data-timer]");
    if (!timer) { return; }
    var text = timer.querySelector("[data-timer-text]");
    var endsAt = Date.now() + parseInt(timer.getAttribute("data-remaining"), 10) * 1000;
    function tick() {
      var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
      text.textContent = format(left);
      timer.classList.toggle("urgent", left <= 60);
      if (left === 0) {
        if (!submitted) { submitted = true; form.submit(); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
