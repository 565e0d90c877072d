/* The company switcher changes company as soon as one is chosen with the mouse or touch.
   With the keyboard, arrow keys only move the choice (WCAG 3.2.2: no change of context on
   input); Enter or the "Bytt" button switches. Without this script the button does it. */
(function () {
  "use strict";

  function init() {
    var select = document.getElementById("company-switch");
    if (!select || !select.form) return;
    var form = select.form;
    var chosen = select.value;
    var byKeyboard = false;

    function submit() {
      if (select.value === chosen) return;
      chosen = select.value;
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }

    select.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        submit();
      } else {
        byKeyboard = true;
      }
    });
    select.addEventListener("pointerdown", function () {
      byKeyboard = false;
    });
    select.addEventListener("change", function () {
      if (!byKeyboard) submit();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
