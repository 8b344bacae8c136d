/* Quiz pages: enhancements only; every page works without JavaScript.
 *
 * - Social-media feed: "Abaikan" (Ignore) unticks the other actions and they untick it.
 * - The time left counts down from the server's figure (the server enforces the limit).
 * - Answers are saved with fetch() as JSON through the save queue (save-queue.js): a save that
 *   fails waits and is retried; answers still waiting go out before the attempt is submitted.
 *   The server treats a repeated save as a no-op, so retrying is always safe. */
(function () {
  "use strict";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  var toggles = document.querySelectorAll("input.toggle[name=actions]");
  each(toggles, function (box) {
    box.addEventListener("change", function () {
      if (!box.checked) { return; }
      each(toggles, function (other) {
        if (other !== box && (box.hasAttribute("data-exclusive") || other.hasAttribute("data-exclusive"))) {
          other.checked = false;
        }
      });
    });
  });

  var timer = document.querySelector("[data-seconds-left]");
  if (timer) {
    var end = Date.now() + 1000 * (parseInt(timer.getAttribute("data-seconds-left"), 10) || 0);
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (left < 120 && timer.parentNode.className.indexOf(" low") < 0) { timer.parentNode.className += " low"; }
      if (left === 0) { timer.textContent = timer.getAttribute("data-msg-over"); return; }
      timer.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      window.setTimeout(tick, 1000);
    };
    tick();
  }

  if (!window.fetch || !window.JSON || !window.Promise || !window.elearnSaveQueue) { return; }
  /* one entry per question (per situation of a scenario): the latest answer wins */
  function merge(queue, item) {
    return queue.filter(function (old) { return old.key !== item.key; }).concat([item]);
  }
  var queue = window.elearnSaveQueue({
    key: "elearn.quiz-queue", status: document.getElementById("save-status"), merge: merge,
    /* a refused answer, a closed attempt, a page that is gone: retrying cannot help */
    permanent: [400, 403, 404, 409]
  });

  function formBody(f) {
    var body = {};
    each(f.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.disabled || el.type === "submit") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      (body[el.name] = body[el.name] || []).push(el.value);
    });
    return body;
  }

  var form = document.querySelector("form[data-quiz-answer]");
  if (form) {
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = form.getAttribute("action");
      var body = formBody(form);
      queue.enqueue({ url: url, key: url + "#" + (body.node || [""])[0], body: body, sent: Date.now() });
      if (button) { button.disabled = true; }
      queue.say("saving");
      delete queue.results[url];
      queue.flush().then(function () {
        var data = queue.results[url] || {};
        if (button) { button.disabled = false; }
        if (data.failed) {
          queue.say("error", data.message || "");
          /* time is up or the attempt was submitted elsewhere: on to its review */
          if (data.next_url) { window.location.assign(data.next_url); }
          return;
        }
        queue.say("saved");
        if (data.next_url) { window.location.assign(data.next_url); }
      }, function () {
        if (button) { button.disabled = false; }
      });
    });
  }

  var submitBox = document.querySelector("form.submit-box");
  if (submitBox) {
    submitBox.addEventListener("submit", function (event) {
      if (!queue.load().length) { return; }
      /* answers still waiting in the queue go first */
      event.preventDefault();
      queue.flush().then(function () { submitBox.submit(); }, function () { /* retried later */ });
    });
  }
}());
