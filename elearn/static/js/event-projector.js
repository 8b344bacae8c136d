// The projector's check-in screen: every few seconds, fetch the code, its QR and the count present
// per SKPD from the server (the server's clock decides the code; this page never computes one).
(function () {
  "use strict";
  var root = document.getElementById("projector");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-status-url");
  var period = null;
  var secondsEl = document.getElementById("projector-seconds");
  var left = parseInt(secondsEl.textContent, 10) || 0;

  function text(id, value) { document.getElementById(id).textContent = value; }

  function render(state) {
    if (state.period !== period) {
      period = state.period;
      text("projector-code", state.code);
      // (the SVG is made by the server from the code alone: no user data in it)
      document.getElementById("projector-qr").innerHTML = state.qr_svg;
    }
    left = state.seconds_left;
    text("projector-seconds", left);
    text("projector-total", state.total);
    var message = document.getElementById("projector-message");
    message.hidden = state.open;
    message.textContent = state.message;
    var body = document.getElementById("projector-counts");
    while (body.firstChild) { body.removeChild(body.firstChild); }
    state.counts.forEach(function (row) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      var n = document.createElement("td");
      name.textContent = row.skpd;
      n.textContent = row.n;
      n.className = "num";
      tr.appendChild(name);
      tr.appendChild(n);
      body.appendChild(tr);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { render(state); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, Math.min(3000, Math.max(500, left * 1000))); });
  }

  setInterval(function () {
    if (left > 0) { left -= 1; secondsEl.textContent = left; }
  }, 1000);
  poll();
}());
