// Live SLA countdowns. No inline scripts anywhere (strict CSP): pages mark elements instead.
//
//   <span data-due="2026-11-16T12:00:00-05:00">breaches in 1 h 12 min</span>
//
// Every second each [data-due] element is rewritten as "breaches in 1 h 12 min" or "breached 5 min ago"
// (the same words the server renders, so nothing jumps on load), and gets .countdown-late once past due.
// The server's clock wins over the browser's: an element with [data-countdown-now] (the server's "now"
// when the page or fragment was rendered) sets the offset. htmx swaps are picked up on the next tick.
(function () {
  "use strict";

  var offset = 0; // server time minus browser time, in milliseconds

  // service_levels.durations.duration_words: the same words, the same rules.
  function words(seconds) {
    seconds = Math.floor(Math.abs(seconds));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) return hours ? days + " d " + hours + " h" : days + " d";
    if (hours) return minutes ? hours + " h " + minutes + " min" : hours + " h";
    if (minutes || !(seconds % 60)) return minutes + " min";
    return (seconds % 60) + " s";
  }

  function syncClock(root) {
    var marker = root.querySelector("[data-countdown-now]");
    if (!marker) return;
    var serverNow = Date.parse(marker.getAttribute("data-countdown-now"));
    if (!isNaN(serverNow)) offset = serverNow - Date.now();
    marker.removeAttribute("data-countdown-now"); // read once: later ticks keep the same offset
  }

  function tick() {
    var now = Date.now() + offset;
    var elements = document.querySelectorAll("[data-due]");
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      var due = Date.parse(element.getAttribute("data-due"));
      if (isNaN(due)) continue; // not a countdown (another page's data-due)
      var left = (due - now) / 1000;
      var text = left > 0 ? "breaches in " + words(left) : "breached " + words(left) + " ago";
      if (element.textContent !== text) element.textContent = text;
      element.classList.toggle("countdown-late", left <= 0);
      element.classList.toggle("text-danger", left <= 0);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncClock(document);
    tick();
    window.setInterval(tick, 1000);
  });
  document.addEventListener("htmx:afterSwap", function () {
    syncClock(document); // the fragment's own [data-countdown-now]; older ones were read and removed
    tick();
  });
})();
