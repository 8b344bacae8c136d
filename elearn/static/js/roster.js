/* Roster import: validate the stored file chunk by chunk with a real progress bar, then apply.
 * Without JavaScript the form simply posts to "terapkan" (the import runs in one request). */
(function () {
  "use strict";
  var form = document.getElementById("roster-apply");
  if (!form || !window.fetch || !window.FormData) { return; }
  var box = document.getElementById("roster-progress");
  var bar = document.getElementById("roster-progress-bar");
  var text = document.getElementById("roster-progress-text");
  var button = document.getElementById("roster-apply-button");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var token = tokenField ? tokenField.value : "";

  function say(message) { text.textContent = message; }

  function checking(done, total) {
    return box.getAttribute("data-msg-checking").replace("{done}", done).replace("{total}", total);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      body: body
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(data.error || String(response.status));
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  function validateFrom(offset) {
    var body = new FormData();
    body.append("offset", String(offset));
    return post(form.getAttribute("data-validate-url"), body).then(function (progress) {
      bar.max = Math.max(progress.total, 1);
      bar.value = progress.offset;
      say(checking(progress.offset, progress.total));
      return progress.done ? progress : validateFrom(progress.offset);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    box.hidden = false;
    say(checking(0, form.getAttribute("data-total")));
    validateFrom(0).then(function () {
      bar.removeAttribute("value"); /* indeterminate while the single transaction runs */
      say(box.getAttribute("data-msg-applying"));
      return post(form.getAttribute("action"), new FormData(form));
    }).then(function (result) {
      window.location.assign(result.summary_url);
    }).catch(function (error) {
      if (error.data && error.data.summary_url) {
        window.location.assign(error.data.summary_url);
        return;
      }
      say(error.data && error.data.error ? error.data.error : box.getAttribute("data-msg-failed"));
      button.disabled = false;
    });
  });
}());
