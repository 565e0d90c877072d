/* "Send inn trekkliste": when the chosen period already has a list, say when it was sent
   and ask whether this one is a correction. Without this script the form lists the
   periods already sent and always offers the "correction" box. The notice is a status
   region that is always there (empty when the period has no list): a region shown at the
   moment its text is set is not announced by every screen reader. */
(function () {
  "use strict";

  function init() {
    var box = document.querySelector("[data-correction]");
    var data = document.getElementById("earlier-submissions");
    var select = document.getElementById("id_period");
    if (!box || !data || !select || !window.JSON) return;
    var earlier = {};
    JSON.parse(data.textContent).forEach(function (item) {
      earlier[item.period] = item;
    });
    var notice = box.querySelector("[data-correction-notice]");
    var list = box.querySelector("[data-correction-list]");
    var choice = box.querySelector("[data-correction-choice]");
    var checkbox = choice.querySelector('input[type="checkbox"]');

    function update() {
      var item = earlier[select.value];
      if (item) {
        notice.textContent = box.dataset.noticeText
          .replace("__PERIOD__", item.name)
          .replace("__DATE__", item.date);
      } else {
        notice.textContent = "";
        checkbox.checked = false;
      }
      choice.hidden = !item;
    }

    list.hidden = true;
    select.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
