// The pakta integritas signing form: a signature pad (vendor/signature_pad) sized for a phone,
// with undo (drop the last stroke) and clear. On submit the drawing goes into the hidden field
// signature_data as a PNG data URL; an empty pad is refused here with a message. Without this
// script the form offers only the typed full name, which always works.
(function () {
  "use strict";
  var form = document.querySelector("[data-sign-form]");
  if (!form || typeof window.SignaturePad !== "function") { return; }

  var canvas = form.querySelector("[data-pad] canvas");
  var dataField = form.querySelector("input[name=signature_data]");
  var strokesField = form.querySelector("input[name=signature_strokes]");
  var undoButton = form.querySelector("[data-undo]");
  var clearButton = form.querySelector("[data-clear]");
  var errorBox = form.querySelector("[data-pad-error]");
  var statusBox = form.querySelector("[data-pad-status]");
  var submitButton = form.querySelector("[data-submit]");
  var radios = form.querySelectorAll("input[name=method]");
  var panels = form.querySelectorAll("[data-panel]");
  // the server refuses PNGs wider than 2000 or taller than 1000 pixels
  var MAX_WIDTH = 2000, MAX_HEIGHT = 1000;

  var pad = new window.SignaturePad(canvas, {
    penColor: "#14143c", minWidth: 0.8, maxWidth: 2.6, backgroundColor: "rgba(0,0,0,0)"
  });
  var size = { width: 0, height: 0, ratio: 0 };

  function say(message) {
    statusBox.textContent = "";
    // a fresh text node so screen readers announce the same message twice in a row
    window.setTimeout(function () { statusBox.textContent = message; }, 50);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function updateButtons() {
    var empty = pad.isEmpty();
    undoButton.disabled = empty;
    clearButton.disabled = empty;
  }

  // Match the canvas's pixels to its CSS size and the screen's pixel density, keeping the strokes.
  function resize() {
    var width = canvas.offsetWidth, height = canvas.offsetHeight;
    if (!width || !height) { return; }
    var ratio = Math.max(1, Math.min(window.devicePixelRatio || 1, 2, MAX_WIDTH / width, MAX_HEIGHT / height));
    if (width === size.width && height === size.height && ratio === size.ratio) { return; }
    var strokes = pad.toData().slice();
    canvas.width = Math.floor(width * ratio);
    canvas.height = Math.floor(height * ratio);
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (strokes.length) { pad.fromData(strokes); }
    size = { width: width, height: height, ratio: ratio };
    updateButtons();
  }

  function method() {
    for (var i = 0; i < radios.length; i++) { if (radios[i].checked) { return radios[i].value; } }
    return "";
  }

  function showPanel() {
    var current = method();
    for (var i = 0; i < panels.length; i++) {
      panels[i].hidden = panels[i].getAttribute("data-panel") !== current;
    }
    if (current === "drawn") { resize(); }
  }

  // JavaScript runs: offer drawing, and make it the default unless the signer chose before
  form.querySelectorAll("[data-needs-js]").forEach(function (el) { el.hidden = false; });
  form.querySelectorAll("[data-without-js]").forEach(function (el) { el.hidden = true; });
  if (!form.getAttribute("data-initial-method")) {
    form.querySelector("input[name=method][value=drawn]").checked = true;
  }
  radios.forEach(function (radio) { radio.addEventListener("change", showPanel); });
  showPanel();

  // a drawing refused by the server (wrong password, ...) comes back as its strokes
  if (strokesField.value) {
    try {
      var saved = JSON.parse(strokesField.value);
      if (Array.isArray(saved) && saved.length) {
        resize();
        pad.fromData(saved);
      }
    } catch (e) {
      pad.clear();
    }
    updateButtons();
  }

  pad.addEventListener("endStroke", function () {
    showError("");
    updateButtons();
  });

  undoButton.addEventListener("click", function () {
    var strokes = pad.toData().slice();
    if (!strokes.length) { return; }
    strokes.pop();
    pad.fromData(strokes);
    updateButtons();
    say(form.getAttribute("data-msg-undone"));
  });

  clearButton.addEventListener("click", function () {
    pad.clear();
    updateButtons();
    say(form.getAttribute("data-msg-cleared"));
  });

  // phones fire resize when the address bar slides; only a change of width or density matters
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () { pending = null; if (method() === "drawn") { resize(); } }, 150);
  });

  form.addEventListener("submit", function (event) {
    if (method() !== "drawn") {
      dataField.value = "";
      strokesField.value = "";
    } else if (pad.isEmpty()) {
      event.preventDefault();
      showError(form.getAttribute("data-msg-empty"));
      canvas.focus();
      return;
    } else {
      dataField.value = pad.toDataURL("image/png");
      var strokes = JSON.stringify(pad.toData());
      strokesField.value = strokes.length < 250000 ? strokes : "";
    }
    // one submit at a time (the server refuses a second signature anyway)
    window.setTimeout(function () {
      submitButton.disabled = true;
      submitButton.textContent = form.getAttribute("data-msg-sending");
    }, 0);
  });

  // back/forward cache: a page restored after submitting must be usable again
  var submitLabel = submitButton.textContent;
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      submitButton.disabled = false;
      submitButton.textContent = submitLabel;
    }
  });

  updateButtons();
})();
