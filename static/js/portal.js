// Small behaviours on top of htmx. Everything works without this file.
(function () {
  "use strict";

  // Keep a draft of long texts in the browser while typing, so a crash or a
  // closed tab does not lose work; the draft is offered back on return and
  // dropped once the form is submitted.
  function draftKey(el) {
    return "draft:" + location.pathname + ":" + el.name + ":" + (el.form.querySelector("[name=base_version]") || {}).value;
  }
  function initDrafts(root) {
    root.querySelectorAll("form.editor textarea").forEach(function (el) {
      if (el.dataset.draftReady) return;
      el.dataset.draftReady = "1";
      var key = draftKey(el);
      var saved = localStorage.getItem(key);
      if (saved !== null && saved !== el.value) {
        var note = document.createElement("small");
        note.className = "draft-note";
        var button = document.createElement("button");
        button.type = "button";
        button.className = "outline small";
        button.textContent = document.documentElement.lang === "en" ? "Restore unsaved draft" : "Khôi phục bản nháp chưa lưu";
        button.addEventListener("click", function () {
          el.value = saved;
          el.dispatchEvent(new Event("input", { bubbles: true }));
          note.remove();
        });
        note.appendChild(button);
        el.insertAdjacentElement("beforebegin", note);
      }
      el.addEventListener("input", function () { localStorage.setItem(key, el.value); });
      el.form.addEventListener("submit", function () { localStorage.removeItem(key); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initDrafts(document); });
  document.addEventListener("htmx:load", function (e) { initDrafts(e.detail.elt); });
})();
