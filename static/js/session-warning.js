/* The session warning: a few minutes before the idle timeout, an alert dialog says the user
   will be logged out and offers "Forbli innlogget" (a POST with the CSRF token that starts
   the idle clock again) and "Logg ut". Escape means "stay logged in" (the user is there).
   Before warning, the portal is asked how long the session really has left (a GET that does
   not count as activity), so work in another tab is taken into account. When the session
   has ended the dialog says so and offers to log in again. Without this script nothing
   shows: the session ends after the timeout and the login page explains why. */
(function () {
  "use strict";

  function init() {
    var body = document.body;
    var dialog = document.getElementById("session-warning");
    if (!dialog || !window.fetch || !window.FormData || !body.dataset.sessionSecondsLeft) return;
    var data = dialog.dataset;
    var warnMs = Number(body.dataset.sessionWarningSeconds) * 1000;
    var deadline = Date.now() + Number(body.dataset.sessionSecondsLeft) * 1000;
    var active = dialog.querySelector("[data-session-active]");
    var expired = dialog.querySelector("[data-session-expired]");
    var text = dialog.querySelector("[data-session-text]");
    var stayForm = dialog.querySelector("[data-session-stay]");
    var stayButton = stayForm.querySelector("button");
    var timer = null;
    var ticker = null;
    var returnFocus = null;
    var ended = false;

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, Math.max(0, deadline - warnMs - Date.now()));
    }

    /* Seconds left as the portal sees them; 0 once it answers with anything but our JSON
       (a logged-out request is sent to the login page). */
    function ask(method) {
      var options = {
        method: method,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      };
      if (method === "POST") options.body = new FormData(stayForm);
      return fetch(data.statusUrl, options).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || type.indexOf("application/json") < 0) return 0;
        if (!response.ok) throw new Error(String(response.status));
        return response.json().then(function (answer) {
          return Number(answer.seconds_left) || 0;
        });
      });
    }

    function open(focusTarget) {
      if (!dialog.open) {
        returnFocus = document.activeElement;
        if (typeof dialog.showModal === "function") dialog.showModal();
        else dialog.setAttribute("open", "");
      }
      focusTarget.focus();
    }

    function close() {
      window.clearInterval(ticker);
      if (dialog.open) {
        if (typeof dialog.close === "function") dialog.close();
        else dialog.removeAttribute("open");
      }
      if (returnFocus && typeof returnFocus.focus === "function") returnFocus.focus();
      returnFocus = null;
    }

    function say() {
      var minutes = Math.ceil((deadline - Date.now()) / 60000);
      if (deadline - Date.now() < 60000) text.textContent = data.secondsText;
      else if (minutes === 1) text.textContent = data.minutesOne;
      else text.textContent = data.minutesOther.replace("__COUNT__", String(minutes));
    }

    function warn() {
      active.hidden = false;
      expired.hidden = true;
      say();
      open(stayButton);
      window.clearInterval(ticker);
      ticker = window.setInterval(function () {
        if (Date.now() >= deadline) check();
        else say();
      }, 15000);
      /* ...and once more just after the deadline, so "logged out" comes when it happens. */
      window.clearTimeout(timer);
      timer = window.setTimeout(check, Math.max(0, deadline - Date.now()) + 500);
    }

    function end() {
      ended = true;
      window.clearTimeout(timer);
      window.clearInterval(ticker);
      active.hidden = true;
      expired.hidden = false;
      dialog.setAttribute("aria-labelledby", "session-expired-title");
      dialog.setAttribute("aria-describedby", "session-expired-text");
      open(expired.querySelector("a"));
    }

    function update(left) {
      if (left <= 0) {
        end();
        return;
      }
      deadline = Date.now() + left * 1000;
      if (deadline - Date.now() > warnMs) {
        close();
        schedule();
      } else {
        warn();
      }
    }

    function check() {
      window.clearInterval(ticker);
      ask("GET").then(update, function () {
        /* Offline: try again shortly; the portal ends the session by its own clock. */
        timer = window.setTimeout(check, 15000);
      });
    }

    function stay() {
      stayButton.disabled = true;
      ask("POST")
        .then(update, function () {
          text.textContent = data.failedText;
        })
        .then(function () {
          stayButton.disabled = false;
        });
    }

    stayForm.addEventListener("submit", function (event) {
      event.preventDefault();
      stay();
    });
    /* Escape: "stay logged in" while warning; it closes the "logged out" dialog. */
    function escape(event) {
      event.preventDefault();
      if (ended) close();
      else stay();
    }
    dialog.addEventListener("cancel", escape);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") escape(event);
    });
    dialog.querySelector("[data-session-close]").addEventListener("click", close);
    schedule();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
