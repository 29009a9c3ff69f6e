/* Follows a Release Tracking workbook export (R56) while the task worker writes it.
 *
 * The section with data-export-status-url is polled once a second for the job's state
 * (JSON from convoy:export_job_status); the progress bar and the status line say which tab
 * of 47 has been written, and when the export is complete the download link appears. An
 * external file, never inline: the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;

  function statusText(s) {
    var tabs = "tab " + s.done + " of " + s.total;
    if (s.state === "QUEUED") {
      return "Queued: waiting for the export worker. Tab " + s.done + " of " + s.total + " written.";
    }
    if (s.state === "RUNNING") {
      return "Writing: " + tabs + " written" + (s.current ? " (" + s.current + ")" : "") + ".";
    }
    if (s.state === "COMPLETE") {
      return "Complete: " + tabs + " written.";
    }
    return "Failed after " + tabs + ".";
  }

  function show(section, s) {
    var bar = document.getElementById("export-bar");
    bar.max = s.total;
    bar.value = s.done;
    bar.textContent = s.done + " of " + s.total;
    document.getElementById("export-status").textContent = statusText(s);
    var failure = document.getElementById("export-failure");
    failure.textContent = s.failure;
    failure.hidden = !s.failure;
    if (s.download_url) {
      var link = document.getElementById("export-download-link");
      link.href = s.download_url;
      link.textContent = "Download " + s.file_name;
      document.getElementById("export-download").hidden = false;
    }
    return s.state === "COMPLETE" || s.state === "FAILED";
  }

  function poll(section) {
    fetch(section.dataset.exportStatusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      cache: "no-store"
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (s) {
        if (!show(section, s)) {
          window.setTimeout(function () { poll(section); }, POLL_MS);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(section); }, POLL_MS * 2);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector("[data-export-status-url]");
    if (section !== null) {
      poll(section);
    }
  });
})();
