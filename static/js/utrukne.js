/* "Utrukne": the "Kommentar:" field shows only when "Annet" is chosen. Progressive
   enhancement: without this script every row shows the field, and the server refuses
   "Annet" without a comment either way. */
(function () {
  "use strict";

  function init() {
    var forms = document.querySelectorAll("[data-answer-form]");
    Array.prototype.forEach.call(forms, function (form) {
      var status = form.querySelector("[data-answer-status]");
      var comment = form.querySelector("[data-answer-comment]");
      if (!status || !comment) return;
      var input = comment.querySelector("input");
      var hasError = comment.classList.contains("field--error");
      function update() {
        var other = status.value === "other";
        comment.hidden = !other && !hasError;
        if (input) input.required = other;
      }
      status.addEventListener("change", function () {
        hasError = false;
        update();
      });
      update();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
