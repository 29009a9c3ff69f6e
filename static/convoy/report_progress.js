/* Follows a document rendering (§13) while the task worker renders it: polls the job's
 * state once a second (JSON from convoy:report_job_status), moves the progress bar, names
 * the step, and shows the download link when the document is complete. An external file:
 * the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function statusText(s) {
    var steps = "step " + s.done + " of " + s.total;
    return s.state_label + ": " + steps + (s.current ? " (" + s.current + ")" : "") + ".";
  }

  function show(s) {
    var bar = document.getElementById("report-bar");
    bar.max = s.total;
    bar.value = s.done;
    bar.textContent = s.done + " of " + s.total;
    document.getElementById("report-status").textContent = statusText(s);
    var failure = document.getElementById("report-failure");
    failure.textContent = s.failure;
    failure.hidden = !s.failure;
    if (s.download_url) {
      var link = document.getElementById("report-download-link");
      link.href = s.download_url;
      link.textContent = "Download " + s.file_name;
      document.getElementById("report-download").hidden = false;
    }
    return s.state === "COMPLETE" || s.state === "FAILED";
  }

  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (s) {
        if (!show(s)) {
          window.setTimeout(function () { poll(url); }, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(url); }, POLL_MS * 2);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector("[data-report-status-url]");
    if (section !== null) {
      poll(section.dataset.reportStatusUrl);
    }
  });
})();
