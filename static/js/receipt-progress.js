/* The receipt while its files are read: asks the portal for each file's state every few
   seconds and shows it, then puts the finished receipt (figures and problems) in place of
   the page's content, without a reload: what the user was reading stays where it was, and
   the status line announces the change. Without this script the "Oppdater" link does the
   same by hand. */
(function () {
  "use strict";

  function init() {
    var box = document.querySelector("[data-receipt-progress]");
    if (!box || !window.fetch || !window.JSON || !window.DOMParser) return;
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

    /* The finished receipt is the same page asked for again: its main content replaces
       this one's. The status line stays (now saying that the results are shown), so that
       a screen reader hears it once; the "Oppdater" link goes. */
    function showFinished() {
      fetch(window.location.href, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
          var main = document.getElementById("main");
          if (!fresh || !main || fresh.querySelector("[data-receipt-progress]")) {
            throw new Error("not finished");
          }
          var refresh = box.querySelector("[data-refresh]");
          if (refresh) refresh.remove();
          var files = fresh.querySelector(".table-wrap");
          var notices = main.querySelector(".messages");  /* shown once: not in the copy */
          if (notices && !fresh.querySelector(".messages")) fresh.prepend(notices);
          main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
          if (files && main.contains(files)) {
            files.after(box);
          } else {
            main.appendChild(box);
          }
          document.dispatchEvent(new CustomEvent("receipt:finished"));
        })
        .catch(function () {
          window.location.reload();
        });
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
            showFinished();
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
