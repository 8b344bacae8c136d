/* Module reader: save progress with fetch() and keep failed saves until they get through.
 *
 * Without JavaScript the "Berikutnya" / "Tandai selesai" form posts and the server redirects.
 * With it, the save goes as JSON through the save queue (save-queue.js): on a failure it waits
 * (localStorage, so it survives a reload) and is retried with backoff and when the browser comes
 * back online. The server only ever moves progress forward, so a late or repeated save can never
 * undo what is saved. */
(function () {
  "use strict";
  if (!window.fetch || !window.JSON || !window.Promise || !window.elearnSaveQueue) { return; }
  var form = document.querySelector("form[data-reader]");

  /* one entry per module: the furthest point wins (the server would keep the furthest anyway) */
  function merge(queue, item) {
    var merged = false;
    queue.forEach(function (old) {
      if (old.url === item.url) {
        old.body.reached = Math.max(old.body.reached, item.body.reached);
        old.body.complete = old.body.complete || item.body.complete;
        merged = true;
      }
    });
    if (!merged) { queue.push(item); }
    return queue;
  }
  var queue = window.elearnSaveQueue({
    key: "elearn.progress-queue", status: document.getElementById("save-status"), merge: merge
  });

  if (!form) { return; }
  var button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var url = form.getAttribute("action");
    queue.enqueue({
      url: url,
      body: { reached: parseInt(form.elements.reached.value, 10) || 0, complete: !!form.elements.complete }
    });
    if (button) { button.disabled = true; }
    queue.say("saving");
    queue.flush().then(function () {
      var data = queue.results[url];
      if (data && data.next_url) {
        queue.say("saved");
        window.location.assign(data.next_url);
      } else {
        queue.say("");
        if (button) { button.disabled = false; }
      }
    }, function () {
      if (button) { button.disabled = false; }
    });
  });
  /* from here on a submit is saved by fetch(); tests wait for this mark */
  form.setAttribute("data-enhanced", "");
}());
