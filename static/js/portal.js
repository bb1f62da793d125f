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
  // htmx leaves 4xx/5xx answers unswapped (only 409, 422 and 429 carry a
  // form to show): say plainly that nothing happened instead of staying silent.
  function showAlert(text) {
    var box = document.getElementById("htmx-alert");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (e) {
    var status = e.detail.xhr.status;
    var data = document.body.dataset;
    showAlert(data["error-" + status] || data["error" + status] || data.errorOther);
  });
  document.addEventListener("htmx:sendError", function () {
    showAlert(document.body.dataset.errorOffline);
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("htmx-alert");
    if (box) box.hidden = true;
  });

  // The language switch returns to the page as it is now (htmx may have
  // changed its filters since it was rendered).
  document.addEventListener("submit", function (e) {
    if (e.target.classList && e.target.classList.contains("language-form")) {
      e.target.querySelector("[name=next]").value = location.pathname + location.search;
    }
  });

  // A select with data-shows shows only the parts marked data-show-for its
  // value (without JavaScript every part stays visible and still works).
  function initToggles(root) {
    root.querySelectorAll("select[data-shows]").forEach(function (select) {
      function update() {
        select.form.querySelectorAll("[data-show-for]").forEach(function (part) {
          part.hidden = part.dataset.showFor !== select.value;
        });
      }
      select.addEventListener("change", update);
      update();
    });
  }

  // Copy the filled-in text of a script (email and chat channels). The
  // Clipboard API needs HTTPS or localhost; intranet HTTP falls back to a
  // selection and execCommand.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy-from]");
    if (!button) return;
    var source = document.querySelector(button.dataset.copyFrom);
    if (!source) return;
    var text = source.value || source.textContent;
    function done() {
      var label = button.textContent;
      button.textContent = button.dataset.copied;
      setTimeout(function () { button.textContent = label; }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
      done();
    }
  });

  // "Add a row" for WTForms FieldLists: copy the last row with the next
  // index (blocks-3-text -> blocks-4-text) and empty values. Without
  // JavaScript the form still offers blank rows after each save.
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-add-row]");
    if (!button) return;
    var container = document.querySelector(button.dataset.addRow);
    var rows = container && container.children;
    if (!rows || !rows.length) return;
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var next = rows.length;
    copy.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(/-\d+-/, "-" + next + "-"));
      });
      if (el.matches("input:not([type=hidden]), textarea")) el.value = "";
      if (el.matches("select")) el.selectedIndex = 0;
      el.removeAttribute("aria-invalid");
    });
    copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
    container.appendChild(copy);
    var first = copy.querySelector("input:not([type=hidden]), textarea");
    if (first) first.focus();
  });

  // Quiz autosave: every save carries a higher sequence number than the
  // last one from this page, so a stale tab can never overwrite newer work;
  // a failed save says so and tries again.
  document.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.answer");
    if (!form) return;
    var next = (parseInt(form.dataset.sequence, 10) || 0) + 1;
    form.dataset.sequence = next;
    e.detail.parameters.sequence = next;
  });
  function saveFailed(e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.answer");
    if (!form || e.detail.xhr && e.detail.xhr.status === 409) return;
    var state = form.querySelector(".save-state");
    if (state) state.textContent = document.body.dataset.errorOffline;
    htmx.trigger(form, "retry");
  }
  document.addEventListener("htmx:sendError", saveFailed);
  document.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr.status >= 500) saveFailed(e);
  });

  // The quiz countdown is only a display: the server enforces the deadline.
  // Told once each, at 5 and at 1 minute left (a live region read every second
  // would drown the questions).
  function announce(left) {
    var region = document.querySelector("[data-timer-announce]");
    if (!region) return;
    var say = left <= 60 ? region.dataset.one : left <= 300 ? region.dataset.five : "";
    if (say && region.dataset.said !== say && left > 0) {
      region.dataset.said = say;
      region.textContent = say;
    }
  }

  function initTimers(root) {
    root.querySelectorAll(".timer[data-deadline]").forEach(function (el) {
      if (el.dataset.ticking) return;
      el.dataset.ticking = "1";
      var deadline = Date.parse(el.dataset.deadline);
      function tick() {
        var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
        var text = left > 0
          ? el.dataset.left + " " + Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0")
          : el.dataset.over;
        el.textContent = text;
        el.classList.toggle("overdue-count", left < 120);
        announce(left);
        if (left > 0) setTimeout(tick, 1000);
      }
      tick();
    });
  }

  // Reviews: a comment carries the player's current time; a time stamp in the
  // list seeks the player there. Without JavaScript comments are general.
  function player() { return document.getElementById("player"); }
  document.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.comment-form");
    var audio = player();
    if (form && audio) e.detail.parameters.at_seconds = audio.currentTime.toFixed(1);
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.comment-form");
    if (form && e.detail.successful) form.reset();
  });
  document.addEventListener("click", function (e) {
    var stamp = e.target.closest && e.target.closest("[data-seek]");
    var audio = player();
    if (!stamp || !audio) return;
    audio.currentTime = parseFloat(stamp.dataset.seek);
    audio.play();
  });
  document.addEventListener("timeupdate", function (e) {
    if (e.target !== player()) return;
    var button = document.querySelector("[data-comment-here]");
    if (!button) return;
    var t = Math.floor(e.target.currentTime);
    var clock = String(Math.floor(t / 60)).padStart(2, "0") + ":" + String(t % 60).padStart(2, "0");
    button.textContent = button.dataset.label.replace("%(t)s", clock);
  }, true);
  // A timed transcript marks the turn being spoken while the call plays (the turns
  // themselves seek through the [data-seek] handler above).
  document.addEventListener("timeupdate", function (e) {
    if (e.target !== player()) return;
    var t = e.target.currentTime;
    document.querySelectorAll(".transcript-turns [data-end]").forEach(function (turn) {
      var now = t >= parseFloat(turn.dataset.start) && t < parseFloat(turn.dataset.end);
      turn.classList.toggle("speaking", now);
    });
  }, true);
  // A review draft that could not be saved says so and tries again.
  // Suggested scores: accepting sets the criterion's value as a click on it would,
  // so the autosave keeps it and the reviewer can still change it.
  // Accepting many at once sends one change (one autosave), not one per criterion,
  // which would race each other's version check.
  function accept(button, quiet) {
    var radio = button.form && button.form.querySelector(
      'input[name="' + button.dataset.accept + '"][value="' + button.dataset.value + '"]');
    if (!radio || radio.checked) return null;
    radio.checked = true;
    if (!quiet) radio.dispatchEvent(new Event("change", { bubbles: true }));
    return radio;
  }
  document.addEventListener("click", function (e) {
    var one = e.target.closest && e.target.closest("[data-accept]");
    if (one) { accept(one); return; }
    var all = e.target.closest && e.target.closest("[data-accept-all]");
    if (!all) return;
    var last = null;
    all.form.querySelectorAll(".criterion").forEach(function (criterion) {
      var button = criterion.querySelector("[data-accept]");
      if (button && !criterion.querySelector("input[type=radio]:checked")) {
        last = accept(button, true) || last;
      }
    });
    if (last) last.dispatchEvent(new Event("change", { bubbles: true }));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "a" && e.key !== "A") return;
    if (e.ctrlKey || e.metaKey || e.altKey || /^(TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.target.type === "text") return;
    var criterion = e.target.closest && e.target.closest(".criterion");
    var button = criterion && criterion.querySelector("[data-accept]");
    if (button) { e.preventDefault(); accept(button); }
  });

  function reviewSaveFailed(e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.review-form");
    if (!form) return;
    var panel = document.getElementById("score-panel");
    if (panel) {
      var note = panel.querySelector(".save-failed");
      if (!note) {
        note = document.createElement("p");
        note.className = "field-error save-failed";
        panel.appendChild(note);
      }
      note.textContent = document.body.dataset.errorOffline;
    }
    // Try again a few times (a network blip), then leave it to the person.
    form._retries = (form._retries || 0) + 1;
    if (form._retries <= 5) htmx.trigger(form, "retry");
  }
  document.addEventListener("htmx:sendError", reviewSaveFailed);
  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt.closest && e.detail.elt.closest("form.review-form");
    if (form && e.detail.successful) form._retries = 0;
  });
  document.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr.status >= 500) reviewSaveFailed(e);
  });

  // The frame: the Menu button folds the groups on a phone; one group open at a
  // time, closed by Escape or a click elsewhere (a <details> alone stays open).
  document.documentElement.classList.add("js");
  document.addEventListener("click", function (e) {
    var toggle = e.target.closest && e.target.closest(".nav-toggle");
    if (toggle) {
      var nav = toggle.closest(".site-nav");
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    document.querySelectorAll(".nav-group[open]").forEach(function (group) {
      if (!group.contains(e.target)) group.removeAttribute("open");
    });
  });
  document.addEventListener("toggle", function (e) {
    if (!e.target.classList || !e.target.classList.contains("nav-group") || !e.target.open) return;
    document.querySelectorAll(".nav-group[open]").forEach(function (group) {
      if (group !== e.target) group.removeAttribute("open");
    });
  }, true);
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector(".nav-group[open]");
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });

  function init(root) { initDrafts(root); initToggles(root); initTimers(root); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { if (e.detail.elt !== document.body) init(e.detail.elt); });
})();
