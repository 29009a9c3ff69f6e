/* Live word counters of the Priority Change Request form (R17).
 *
 * Counts exactly as the server does (convoy.ceremonies.pcr.count_words): a word is a run of
 * characters outside this whitespace class, which is what JavaScript's \s matches. An
 * external file, never inline: the Content Security Policy allows no inline script.
 *
 * A textarea with data-wordcount-min gets its counter (the element "<id>_count") updated on
 * every input: "1,234 / 2,000 words". One with data-wordcount-match="<id>" must be at least
 * as long as that other textarea, and says whether it is.
 */
(function () {
  "use strict";

  var WORD = /[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/g;

  function countWords(text) {
    var words = text.match(WORD);
    return words === null ? 0 : words.length;
  }

  function grouped(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function update(area) {
    var counter = document.getElementById(area.id + "_count");
    if (counter === null) {
      return;
    }
    var words = countWords(area.value);
    var target = parseInt(area.getAttribute("data-wordcount-min"), 10) || 0;
    var matchId = area.getAttribute("data-wordcount-match");
    var compare = counter.querySelector(".wordcount-compare");
    if (matchId) {
      var other = countWords(document.getElementById(matchId).value);
      target = Math.max(target, other);
      if (compare !== null) {
        compare.classList.toggle("met", words >= other);
        compare.classList.toggle("short", words < other);
        compare.textContent = words >= other
          ? "At least as long as the justification."
          : "Shorter than the justification by " + grouped(other - words) +
            (other - words === 1 ? " word." : " words.");
      }
    }
    counter.querySelector(".wordcount-total").textContent =
      grouped(words) + " / " + grouped(target) + " words";
    counter.classList.toggle("met", words >= target);
    counter.classList.toggle("short", words < target);
  }

  var areas = Array.prototype.slice.call(document.querySelectorAll("textarea[data-wordcount-min]"));
  function updateAll() {
    areas.forEach(update);
  }
  areas.forEach(function (area) {
    area.addEventListener("input", updateAll);
  });
  updateAll();

  /* A second click while the first submission is on its way does not file twice (the server
     refuses an identical request as well). */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), function (form) {
    var buttons = form.querySelectorAll("button[type=submit]");
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        Array.prototype.forEach.call(buttons, function (button) { button.disabled = true; });
      }, 0);
    });
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(buttons, function (button) { button.disabled = false; });
    });
  });

  /* tests/test_browser_pcr.py checks this count against the server's on the same texts. */
  window.sadmfCountWords = countWords;
}());
