/* Module editor: "Pratinjau" fetches the server-rendered preview and swaps it in, so the
   author keeps their place. Without JavaScript (or when the request fails) the button
   submits the form normally and the server answers with the same preview. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form || !window.fetch || !window.DOMParser || !window.FormData) {
    return;
  }
  var status = document.getElementById("pratinjau-status");

  function fallback() {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "action";
    input.value = "preview";
    form.appendChild(input);
    form.submit();
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action][value=preview]");
    if (!button) {
      return;
    }
    event.preventDefault();
    var data = new FormData(form);
    data.set("action", "preview");
    button.disabled = true;
    if (status) {
      status.textContent = status.getAttribute("data-loading");
    }
    fetch(form.getAttribute("action") || window.location.href, {
      method: "POST", body: data, credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.text();
    }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("pratinjau");
      if (!fresh) {
        throw new Error("no preview in the answer");
      }
      var node = document.importNode(fresh, true);
      var old = document.getElementById("pratinjau");
      if (old) {
        old.replaceWith(node);
      } else {
        form.after(node);
      }
      if (status) {
        status.textContent = status.getAttribute("data-done");
      }
      button.disabled = false;
      node.scrollIntoView({block: "start"});
    }).catch(function () {
      button.disabled = false;
      fallback();
    });
  });
}());
