/* The 5-minute presentation timer of the Manifest Approval screen (R38).
 *
 * The server says how many seconds the Feature Captain has spoken by its own clock (the
 * framework's clock, which a workshop may have moved: data-elapsed) and the allocation
 * (data-seconds); this counts down from them, and past zero shows the overrun.
 * An external file, never inline: the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";
  var timer = document.querySelector(".timer[data-elapsed]");
  if (timer === null) {
    return;
  }
  var started = Date.now() - 1000 * (parseInt(timer.getAttribute("data-elapsed"), 10) || 0);
  var allocation = parseInt(timer.getAttribute("data-seconds"), 10) || 300;
  var out = timer.querySelector(".timer-remaining");
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = allocation - Math.floor((Date.now() - started) / 1000);
    var shown = Math.abs(left);
    var text = Math.floor(shown / 60) + ":" + pad(shown % 60);
    out.textContent = left >= 0 ? text : "over by " + text;
    timer.classList.toggle("over", left < 0);
  }
  tick();
  window.setInterval(tick, 1000);
}());
