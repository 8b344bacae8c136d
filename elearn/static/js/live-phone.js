/* The phone's live page: poll the tiny state (ETag / 304), fetch the question fragment when it
   changes, send answers with fetch (CSRF token in a header). Without JS the page is a plain form. */
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root || !window.fetch) { return; }
  var net = document.getElementById("live-net");
  var every = parseInt(root.getAttribute("data-poll"), 10) || 2000;
  var etag = "", shown = "", busy = false, failures = 0, timer = null, inflight = false;
  function panel() { return document.getElementById("live-panel"); }
  /* a checked-in phone gets the event's shared state (version only): its own answer it learns from
     the answer's response, so only the version part of the shown panel's key is compared */
  function key(s) {
    return s.a === undefined ? s.v + ":" + shown.split(":").slice(1).join(":") : s.v + ":" + s.a + ":" + s["in"];
  }
  function show(html) {
    root.innerHTML = html;
    var p = panel();
    shown = p ? p.getAttribute("data-key") : "";
    bind();
  }
  function status(text) { if (net) { net.textContent = text || ""; } }
  function loadSoal() {
    return fetch(root.getAttribute("data-soal"), { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) { if (!r.ok) { throw r; } return r.text(); })
      .then(show);
  }
  function poll() {
    inflight = true;
    var headers = { "Accept": "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(root.getAttribute("data-state"), { credentials: "same-origin", headers: headers, cache: "no-cache" })
      .then(function (r) {
        failures = 0; status("");
        if (r.status === 304) { return null; }
        if (!r.ok) { throw r; }
        etag = r.headers.get("ETag") || "";
        return r.json();
      })
      .then(function (s) {
        if (s && key(s) !== shown && !busy) {
          return loadSoal();
        }
      })
      .catch(function () { failures += 1; status(root.getAttribute("data-msg-offline")); })
      .then(function () {
        var wait = Math.min(every * Math.pow(2, Math.min(failures, 3)), 15000);
        inflight = false;
        timer = setTimeout(poll, wait * (0.8 + Math.random() * 0.4));
      });
  }
  function token() {
    var f = root.querySelector("input[name=csrf_token]");
    return f ? f.value : root.getAttribute("data-csrf") || "";
  }
  function bind() {
    var form = root.querySelector("form[data-live-answer]");
    if (!form) { return; }
    var ignore = form.querySelector("input[value=ignore]");
    if (ignore) {
      form.addEventListener("change", function (e) {
        if (e.target === ignore && ignore.checked) {
          Array.prototype.forEach.call(form.querySelectorAll("input[name=actions]"), function (i) { if (i !== ignore) { i.checked = false; } });
        } else if (e.target.name === "actions" && e.target !== ignore) { ignore.checked = false; }
      });
    }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (busy) { return; }
      busy = true; status(root.getAttribute("data-msg-sending"));
      var send = function () {
        return fetch(form.action, { method: "POST", credentials: "same-origin", body: new FormData(form),
                                    headers: { "X-Live": "1", "X-CSRFToken": token() } });
      };
      send().then(function (r) {
        if (r.status >= 500) { throw r; }
        return r.text().then(show);
      }).catch(function () {
        /* offline: retry the same answer once the network is back (the server keeps the first) */
        status(root.getAttribute("data-msg-offline"));
        return new Promise(function (ok) { setTimeout(ok, 2000); }).then(send).then(function (r) { return r.text().then(show); });
      }).catch(function () { status(root.getAttribute("data-msg-offline")); })
        .then(function () { busy = false; etag = ""; status(""); });
    });
  }
  shown = panel() ? panel().getAttribute("data-key") : "";
  bind();
  timer = setTimeout(poll, every * Math.random());
  /* back online or back to the tab: catch up at once instead of after the backoff */
  function now() { if (inflight) { return; } clearTimeout(timer); failures = 0; poll(); }
  window.addEventListener("online", now);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { now(); } });
}());
