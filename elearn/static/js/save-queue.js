/* A queue of JSON saves that outlives failures, shared by reader.js and quiz.js.
 *
 * A save that fails (offline, server away) waits in localStorage, so it survives a reload, and is
 * retried with backoff and when the browser comes back online. The server treats a repeated save
 * as a no-op, so sending one twice is always safe. Statuses in ``permanent`` (refused, gone) are
 * not retried: the item is dropped and its result is ``{failed: true, status, ...the JSON body}``.
 *
 *   var queue = elearnSaveQueue({key: "elearn.x-queue", status: element, merge: fn, permanent: [404]});
 *   queue.enqueue({url: ..., body: {...}}); queue.flush().then(...); queue.results[url]
 *
 * ``merge(queue, item)`` returns the queue with ``item`` added (e.g. replacing an older save of
 * the same thing). ``status`` shows the messages in its data-msg-saving/-saved/-retry attributes. */
(function () {
  "use strict";
  var FIRST_DELAY = 2000;
  var MAX_DELAY = 60000;

  window.elearnSaveQueue = function (options) {
    var memory = [];
    var results = {};
    var delay = FIRST_DELAY;
    var timer = null;
    var running = null;
    var status = options.status;
    var permanent = options.permanent || [403, 404];

    function load() {
      try { return JSON.parse(window.localStorage.getItem(options.key) || "[]"); } catch (e) { return memory.slice(); }
    }
    function store(queue) {
      memory = queue.slice();
      try { window.localStorage.setItem(options.key, JSON.stringify(queue)); } catch (e) { /* memory only */ }
    }
    function token() {
      var field = document.querySelector("input[name=csrf_token]");
      return field ? field.value : "";
    }
    function say(kind, text) {
      if (!status) { return; }
      status.textContent = text || (kind ? status.getAttribute("data-msg-" + kind) : "");
      status.className = "save-status" + (kind === "retry" ? " retrying" : "") + (kind === "error" ? " field-error" : "");
    }
    function enqueue(item) { store(options.merge(load(), item)); }
    function drop(item) {
      var sent = JSON.stringify(item);
      store(load().filter(function (old) { return JSON.stringify(old) !== sent; }));
    }

    function send(item) {
      return fetch(item.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token() },
        body: JSON.stringify(item.body)
      }).then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.ok && json) { return response.json(); }
        var error = new Error("HTTP " + response.status);
        error.status = response.status;
        error.permanent = permanent.indexOf(response.status) >= 0;
        if (!json) { throw error; }
        return response.json().then(function (data) { error.data = data; throw error; },
                                    function () { throw error; });
      });
    }

    function flush() {
      if (running) { return running; }
      function next() {
        var queue = load();
        if (!queue.length) { return Promise.resolve(); }
        var item = queue[0];
        return send(item).then(function (data) {
          results[item.url] = data;
          drop(item);
          return next();
        }, function (error) {
          if (!error.permanent) { throw error; }
          var data = error.data || {};
          data.failed = true;
          data.status = error.status;
          results[item.url] = data;
          drop(item);
          return next();
        });
      }
      running = next().then(function () {
        running = null;
        delay = FIRST_DELAY;
      }, function (error) {
        running = null;
        schedule();
        throw error;
      });
      return running;
    }

    function schedule() {
      say("retry");
      if (timer) { return; }
      timer = window.setTimeout(function () { timer = null; retry(); }, delay);
      delay = Math.min(delay * 2, MAX_DELAY);
    }
    function retry() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      flush().then(function () { say("saved"); }, function () { /* scheduled again */ });
    }

    window.addEventListener("online", function () { delay = FIRST_DELAY; retry(); });
    if (load().length) { retry(); }
    return { enqueue: enqueue, flush: flush, load: load, results: results, say: say };
  };
}());
