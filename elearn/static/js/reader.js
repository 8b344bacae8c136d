/* Module reader: save progress with fetch() and keep failed saves until they get through.
 *
 * Without JavaScript the "Berikutnya" / "Tandai selesai" form posts and the server redirects.
 * With it, the save goes as JSON; on a failure it waits in a queue (localStorage, so it survives
 * a reload) and is retried with backoff and when the browser comes back online. The server only
 * ever moves progress forward, so a late or repeated save can never undo what is saved. */
(function () {
  "use strict";
  if (!window.fetch || !window.JSON || !window.Promise) { return; }
  var KEY = "elearn.progress-queue";
  var FIRST_DELAY = 2000;
  var MAX_DELAY = 60000;
  var form = document.querySelector("form[data-reader]");
  var status = document.getElementById("save-status");
  var memory = [];
  var results = {};
  var delay = FIRST_DELAY;
  var timer = null;
  var running = null;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return memory.slice(); }
  }
  function store(queue) {
    memory = queue.slice();
    try { window.localStorage.setItem(KEY, JSON.stringify(queue)); } catch (e) { /* memory only */ }
  }
  function token() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }
  function say(kind) {
    if (!status) { return; }
    status.textContent = kind ? status.getAttribute("data-msg-" + kind) : "";
    status.className = "save-status" + (kind === "retry" ? " retrying" : "");
  }

  /* one entry per module: the furthest point wins (the server would keep the furthest anyway) */
  function enqueue(item) {
    var queue = load();
    var merged = false;
    queue.forEach(function (old) {
      if (old.url === item.url) {
        old.body.reached = Math.max(old.body.reached, item.body.reached);
        old.body.complete = old.body.complete || item.body.complete;
        merged = true;
      }
    });
    if (!merged) { queue.push(item); }
    store(queue);
  }
  function drop(item) {
    var sent = JSON.stringify(item.body);
    store(load().filter(function (old) {
      return !(old.url === item.url && JSON.stringify(old.body) === sent);
    }));
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
      /* the module no longer exists or the save is refused: retrying cannot help */
      error.permanent = response.status === 404 || response.status === 403;
      throw error;
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
        if (error.permanent) { drop(item); return next(); }
        throw error;
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
    timer = window.setTimeout(function () {
      timer = null;
      retry();
    }, delay);
    delay = Math.min(delay * 2, MAX_DELAY);
  }
  function retry() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    flush().then(function () { say("saved"); }, function () { /* scheduled again */ });
  }

  window.addEventListener("online", function () { delay = FIRST_DELAY; retry(); });
  if (load().length) { retry(); }

  if (!form) { return; }
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = form.getAttribute("action");
    enqueue({
      url: url,
      body: { reached: parseInt(form.elements.reached.value, 10) || 0, complete: !!form.elements.complete }
    });
    if (button) { button.disabled = true; }
    say("saving");
    flush().then(function () {
      var data = results[url];
      if (data && data.next_url) {
        say("saved");
        window.location.assign(data.next_url);
      } else {
        say("");
        if (button) { button.disabled = false; }
      }
    }, function () {
      if (button) { button.disabled = false; }
    });
  });
}());
