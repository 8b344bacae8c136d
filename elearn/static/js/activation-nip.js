// The QR code on an activation slip opens /aktivasi#nip=<NIP>: fill the NIP in from the fragment
// (never sent to the server) and move on to the code. The slip's QR never holds the code itself.
// Without JavaScript the person types the NIP as printed on the slip.
(function () {
  var match = /(?:^#|&)nip=([^&]*)/.exec(window.location.hash || "");
  var field = document.getElementById("nip");
  if (!match || !field || field.value) { return; }
  var nip;
  try { nip = decodeURIComponent(match[1]); } catch (e) { return; }
  nip = nip.replace(/[^0-9A-Za-z .-]/g, "").slice(0, 40);
  if (!nip) { return; }
  field.value = nip;
  var code = document.getElementById("code");
  if (code && !code.value) { code.focus(); }
})();
