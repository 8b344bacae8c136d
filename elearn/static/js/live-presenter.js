/* The presenter view: refresh the status panel (answers coming in, distribution, signatures); when
   the state was changed elsewhere (another tab), reload so the buttons carry the current version. */
(function () {
  "use strict";
  var root = document.getElementById("presenter");
  if (!root || !window.fetch) { return; }
  var every = parseInt(root.getAttribute("data-poll"), 10) || 2000;
  var version = root.getAttribute("data-version");
  function tick() {
    fetch(root.getAttribute("data-status"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw r; } return r.json(); })
      .then(function (s) {
        if (String(s.v) !== version) { window.location.reload(); return; }
        root.innerHTML = s.html;
      })
      .catch(function () { /* keep the last panel; try again */ })
      .then(function () { setTimeout(tick, every); });
  }
  setTimeout(tick, every);
}());
