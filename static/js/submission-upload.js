/* "Send inn trekkliste": add several files with "Legg til", remove one before sending, and
   see the upload's progress. Progressive enhancement: without this script the form is a
   plain multipart form with a multiple file input, and works the same. */
(function () {
  "use strict";

  var kept = [];

  /* As the portal writes sizes (submissions/display.py: format_size): "1,2 MB", "25 MB". */
  function formatSize(bytes) {
    var comma = document.documentElement.lang === "en" ? "." : ",";
    if (bytes >= 1024 * 1024) {
      var megabytes = Math.round((bytes / (1024 * 1024)) * 10) / 10;
      return String(megabytes).replace(".", comma) + " MB";
    }
    if (bytes >= 1024) return Math.round(bytes / 1024) + " kB";
    return bytes + " B";
  }

  function init() {
    var form = document.getElementById("submission-form");
    if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
    var text = form.dataset;
    var input = form.querySelector('input[type="file"][name="files"]');
    var picker = form.querySelector(".file-picker");
    var addButton = picker.querySelector("[data-add-files]");
    var list = picker.querySelector("[data-file-list]");
    var fileStatus = picker.querySelector("[data-file-status]");
    var progress = form.querySelector("[data-progress]");
    var bar = progress.querySelector("progress");
    var progressText = progress.querySelector("[data-progress-text]");
    var submitButton = form.querySelector('button[type="submit"]');
    // Files chosen before the server answered with a form error are kept.
    var chosen = kept;
    var clientErrors = document.getElementById("client-errors");

    input.hidden = true;
    picker.hidden = false;

    function render() {
      list.textContent = "";
      chosen.forEach(function (file, index) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.className = "file-list__name";
        name.textContent = file.name + " (" + formatSize(file.size) + ")";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--link";
        remove.textContent = text.removeLabel;
        remove.setAttribute("aria-label", text.removeLabel + " " + file.name);
        remove.addEventListener("click", function () {
          chosen.splice(index, 1);
          render();
          fileStatus.textContent = text.removedText.replace("__NAME__", file.name);
          addButton.focus();
        });
        item.appendChild(name);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(remove);
        list.appendChild(item);
      });
      list.hidden = chosen.length === 0;
    }

    addButton.addEventListener("click", function () {
      input.click();
    });
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        chosen.push(file);
      });
      input.value = "";
      render();
      fileStatus.textContent = text.chosenText.replace("__COUNT__", String(chosen.length));
    });
    render();

    /* What the server would refuse, said before anything is sent (a 25 MB file is not
       uploaded to be refused). The server checks everything again. */
    function problems() {
      var found = [];
      var period = form.querySelector('[name="period"]');
      var email = form.querySelector('[name="contact_email"]');
      if (period && !period.value) found.push(text.periodText);
      if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.value.trim())) found.push(text.emailText);
      var comment = form.querySelector('[name="comment"]');
      if (!chosen.length) {
        found.push(comment && comment.value.trim() ? text.commentText : text.noFilesText);
      }
      if (chosen.length > Number(text.maxFiles)) {
        found.push(text.tooManyText.replace("__COUNT__", text.maxFiles));
      }
      var accept = (text.accept || "").split(",");
      var total = 0;
      chosen.forEach(function (file) {
        total += file.size;
        var dot = file.name.lastIndexOf(".");
        var ext = dot >= 0 ? file.name.slice(dot).toLowerCase() : "";
        if (accept.indexOf(ext) < 0) found.push(text.typeText.replace("__NAME__", file.name));
        if (file.size > Number(text.maxFileBytes)) {
          found.push(text.tooLargeText.replace("__NAME__", file.name));
        }
      });
      if (total > Number(text.maxTotalBytes)) found.push(text.totalText);
      return found;
    }

    function showProblems(found) {
      clientErrors.textContent = "";
      var intro = document.createElement("p");
      intro.textContent = text.notSentText;
      var list = document.createElement("ul");
      found.forEach(function (problem) {
        var item = document.createElement("li");
        item.textContent = problem;
        list.appendChild(item);
      });
      clientErrors.appendChild(intro);
      clientErrors.appendChild(list);
      clientErrors.hidden = false;
      clientErrors.focus();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var found = problems();
      if (found.length) {
        showProblems(found);
        return;
      }
      clientErrors.hidden = true;
      var data = new FormData(form);
      data.delete("files");
      chosen.forEach(function (file) {
        data.append("files", file, file.name);
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        progressText.textContent = text.progressText.replace("__PERCENT__", String(percent));
      });
      xhr.addEventListener("load", function () {
        var formUrl = form.getAttribute("action") || window.location.href;
        if (xhr.status === 200 && xhr.responseURL && xhr.responseURL !== formUrl) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.getElementById("main");
        if (!main) {
          failed();
          return;
        }
        document.getElementById("main").innerHTML = main.innerHTML;
        kept = chosen;  // the server refused the form: the chosen files stay in the list
        init();
        var dropped = document.querySelector("[data-dropped-files]");
        if (dropped) dropped.hidden = true;  // not true here: they are kept
        var errors = document.getElementById("form-errors") || document.querySelector(".message--error");
        if (errors) {
          errors.setAttribute("tabindex", "-1");
          errors.focus();
        }
      });
      xhr.addEventListener("error", failed);
      function failed() {
        progress.hidden = true;
        submitButton.disabled = false;
        fileStatus.setAttribute("role", "alert");
        fileStatus.classList.remove("visually-hidden");
        fileStatus.textContent = text.failedText;
      }
      submitButton.disabled = true;
      progress.hidden = false;
      bar.value = 0;
      progressText.textContent = text.progressText.replace("__PERCENT__", "0");
      xhr.send(data);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
