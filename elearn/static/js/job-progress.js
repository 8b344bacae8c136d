// The progress page of a background job: every few seconds fetch the same page and replace the
// progress card, or go on to where the page now leads (the preview, the result). No automatic
// reload of the whole page (WCAG 2.2.1); without JavaScript the "Perbarui" button does it.
(function () {
  var card = document.querySelector("[data-job-progress]");
  if (!card) { return; }
  var seconds = parseInt(card.getAttribute("data-job-progress"), 10) || 3;
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.redirected) { window.location.assign(response.url); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-job-progress]");
        if (!fresh) { window.location.reload(); return; }
        card.innerHTML = fresh.innerHTML;
        window.setTimeout(poll, seconds * 1000);
      })
      .catch(function () { window.setTimeout(poll, seconds * 2000); });
  }
  window.setTimeout(poll, seconds * 1000);
})();
