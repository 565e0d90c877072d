/* The receipt while its files are read: asks the portal for each file's state every few
   seconds and shows it, then loads the finished receipt (figures and problems). Without
   this script the "Oppdater" link does the same by hand. */
(function () {
  "use strict";

  function init() {
    var box = document.querySelector("[data-receipt-progress]");
    if (!box || !window.fetch || !window.JSON) return;
    var url = box.dataset.statusUrl;
    var text = box.querySelector("[data-progress-text]");
    var delay = 1000;
    var shown = {};

    function show(file) {
      var row = document.querySelector('[data-file="' + file.id + '"] [data-file-state]');
      if (!row || shown[file.id] === file.state) return;
      shown[file.id] = file.state;
      var strong = row.querySelector("strong");
      if (strong) strong.textContent = file.label;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (status) {
          status.files.forEach(show);
          if (status.finished) {
            text.textContent = box.dataset.doneText;
            window.location.reload();
            return;
          }
          delay = Math.min(delay * 1.5, 10000);
          window.setTimeout(poll, delay);
        })
        .catch(function () {
          /* Offline or logged out: the "Oppdater" link still works. */
        });
    }

    window.setTimeout(poll, delay);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
