// Texts with a limit say so while they are typed: a live count under each text
// box of a form that saves, so nobody learns of the limit from a refused save.
// On text areas the limit moves from maxlength (which cuts a long paste without
// a word) to data-maxlength: the server refuses a longer text and keeps it in
// the form. One-line inputs keep maxlength and show the count near the limit.
// The words come from this script's data-count and data-over attributes.
(function () {
  "use strict";
  var words = (document.currentScript || {}).dataset || {};
  var counted = new WeakSet();  // not a data attribute: a copied row must count anew

  function length(text) {
    // What the server counts: NFC code points (an emoji is one, not two).
    return Array.from(text.normalize ? text.normalize("NFC") : text).length;
  }
  function say(template, n, max) {
    return (template || "%(n)s / %(max)s").replace("%(n)s", n).replace("%(max)s", max);
  }

  function attach(el) {
    var form = el.form;
    if (counted.has(el) || !form || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    var max = parseInt(el.dataset.maxlength || el.getAttribute("maxlength"), 10);
    if (!max) return;
    counted.add(el);
    var area = el.tagName === "TEXTAREA";
    if (area) {
      el.removeAttribute("maxlength");
      el.dataset.maxlength = max;
    }
    var note = el.nextElementSibling;  // a row copied with "Add a row" brings its count along
    if (!note || !note.classList.contains("char-count")) {
      note = document.createElement("small");
      note.className = "char-count";
      note.setAttribute("aria-live", "polite");
      el.insertAdjacentElement("afterend", note);
    }
    function update() {
      var n = length(el.value);
      var over = n > max;
      note.textContent = over ? say(words.over, n - max, max) : say(words.count, n, max);
      note.hidden = !over && !area && n < max * 0.8;
      note.classList.toggle("over", over);
      el.classList.toggle("over-limit", over);
    }
    el.addEventListener("input", update);
    form.addEventListener("reset", function () { setTimeout(update, 0); });
    update();
  }

  function init(root) {
    if (root.querySelectorAll) root.querySelectorAll(SELECTOR).forEach(attach);
  }
  var SELECTOR = "textarea[maxlength], textarea[data-maxlength], input[maxlength]";
  // Text boxes added later without htmx (copied rows) count from their first focus.
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches(SELECTOR)) attach(e.target);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
