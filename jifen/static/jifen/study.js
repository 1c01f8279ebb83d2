// Lesson player: a heartbeat every 12 s with the video position and whether the page is visible and
// playing. The server decides what counts; this script only reports. Hiding the page pauses the video.
(function () {
  "use strict";
  var INTERVAL_MS = 12000;

  function csrfToken(root) {
    var input = root.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function randomId() {
    var bytes = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function init() {
    var root = document.querySelector("[data-lesson]");
    if (!root) { return; }
    var url = root.getAttribute("data-heartbeat-url");
    var video = root.querySelector("[data-video]");
    var client = randomId();
    var token = csrfToken(root);
    var lastPosition = video ? 0 : 0;
    var queue = Promise.resolve();

    function playing() {
      if (!video) { return document.visibilityState === "visible"; }
      return !video.paused && !video.ended;
    }

    function show(data) {
      var seconds = root.querySelector("[data-seconds]");
      var watched = root.querySelector("[data-watched]");
      var complete = root.querySelector("[data-complete]");
      if (seconds) { seconds.textContent = data.seconds; }
      if (watched) { watched.textContent = data.watched_percent; }
      if (complete && data.completed) { complete.hidden = false; }
    }

    function send(position) {
      var body = JSON.stringify({
        position: position === undefined ? (video ? video.currentTime : 0) : position,
        visible: document.visibilityState === "visible",
        playing: playing(),
        client: client
      });
      // One at a time and in order, so the server sees positions as they happened.
      queue = queue.then(function () {
        return fetch(url, {
          method: "POST", credentials: "same-origin", body: body,
          headers: {"Content-Type": "application/json", "X-CSRFToken": token}
        }).then(function (response) {
          return response.ok ? response.json().then(show) : null;
        }).catch(function () { return null; });
      });
      return queue;
    }

    if (video) {
      var start = parseFloat(root.getAttribute("data-start") || "0");
      video.addEventListener("loadedmetadata", function () {
        if (start > 0 && start < video.duration - 1) { video.currentTime = start; }
      });
      video.addEventListener("timeupdate", function () {
        if (!video.seeking) { lastPosition = video.currentTime; }
      });
      // A seek: report where playback was, then where it is now (the server credits no jump).
      video.addEventListener("seeking", function () { send(lastPosition); });
      video.addEventListener("seeked", function () { lastPosition = video.currentTime; send(); });
      video.addEventListener("play", function () { send(); });
      video.addEventListener("pause", function () { send(); });
      video.addEventListener("ended", function () { send(); });
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible" && video && !video.paused) {
        video.pause();  // hidden time never counts: stop playing too
      }
      send();
    });
    send();
    window.setInterval(function () { send(); }, INTERVAL_MS);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
