/* Module and question editors: "Pratinjau" fetches the server-rendered preview and swaps it in, so
   the author keeps their place. The preview's answer also says which problems remain: the error
   box above the form ([data-form-errors]) and the errors next to the fields are brought up to
   date with it, so a box left by an earlier refused save disappears once the preview finds
   nothing wrong. Without JavaScript (or when the request fails) the button submits the form
   normally and the server answers with the same page. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview]");
  if (!form || !window.fetch || !window.DOMParser || !window.FormData) {
    return;
  }
  var status = document.getElementById("pratinjau-status");
  var CONTROLS = "input:not([type=hidden]), select, textarea";

  function directChildren(parent, className) {
    return Array.prototype.filter.call(parent.children, function (child) {
      return child.classList.contains(className);
    });
  }

  function copyAttribute(from, to, name) {
    if (from.hasAttribute(name)) {
      to.setAttribute(name, from.getAttribute(name));
    } else {
      to.removeAttribute(name);
    }
  }

  // the error box above the form: replaced by the answer's, removed when the answer has none
  function syncErrorBox(doc) {
    var old = document.querySelector("[data-form-errors]");
    var fresh = doc.querySelector("[data-form-errors]");
    if (fresh) {
      fresh = document.importNode(fresh, true);
      if (old) {
        old.replaceWith(fresh);
      } else {
        form.before(fresh);
      }
    } else if (old) {
      old.remove();
    }
  }

  // the errors next to the fields. Both forms come from the same template and the same rows (a
  // preview adds or removes none), so the fields pair up in order; if they don't, nothing changes.
  function syncFieldErrors(freshForm) {
    var olds = form.querySelectorAll(".field");
    var news = freshForm.querySelectorAll(".field");
    if (olds.length !== news.length) {
      return;
    }
    for (var i = 0; i < olds.length; i++) {
      var old = olds[i], fresh = news[i];
      old.classList.toggle("has-error", fresh.classList.contains("has-error"));
      directChildren(old, "field-error").forEach(function (node) { node.remove(); });
      directChildren(fresh, "field-error").forEach(function (node) {
        old.appendChild(document.importNode(node, true));
      });
      var oldControls = old.querySelectorAll(CONTROLS);
      var freshControls = fresh.querySelectorAll(CONTROLS);
      if (oldControls.length === freshControls.length) {
        for (var j = 0; j < oldControls.length; j++) {
          copyAttribute(freshControls[j], oldControls[j], "aria-invalid");
          copyAttribute(freshControls[j], oldControls[j], "aria-describedby");
        }
      }
    }
  }

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
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.getElementById("pratinjau");
      var freshForm = doc.querySelector("form[data-preview]");
      if (!fresh || !freshForm) {
        throw new Error("no preview in the answer");
      }
      syncErrorBox(doc);
      syncFieldErrors(freshForm);
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
