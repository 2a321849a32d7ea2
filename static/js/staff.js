/* Small behaviours of our staff pages, kept out of the HTML so the Content-Security-Policy needs no
   'unsafe-inline' for scripts of ours:
   - <select data-autosubmit>: submit its form when the choice changes;
   - <button data-print>: print the page;
   - <div data-poll="?format=json" data-poll-bar="ID of a <progress>" data-poll-count="ID" data-poll-done="FIELD"
          data-poll-running="STATE STATE" data-poll-every="MS">: follow a background job's progress and
     reload the page once the job has left the running states. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) { target.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-print]");
    if (target) { window.print(); }
  });
  function follow(element) {
    var running = (element.dataset.pollRunning || "running").split(" ");
    var every = parseInt(element.dataset.pollEvery || "1000", 10);
    var bar = document.getElementById(element.dataset.pollBar);
    var count = document.getElementById(element.dataset.pollCount);
    var done = element.dataset.pollDone || "done";
    (function poll() {
      fetch(element.dataset.poll, {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (job) {
          if (bar) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
          if (count) { count.textContent = job[done] + " / " + job.total; }
          if (running.indexOf(job.state) >= 0) { setTimeout(poll, every); } else { location.reload(); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    })();
  }
  function start() { document.querySelectorAll("[data-poll]").forEach(follow); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
