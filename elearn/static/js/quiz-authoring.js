/* Branching question editor: keeps the "Situasi awal" and "Lanjut ke situasi" lists in step with
   the situation codes as the author types them. Without JavaScript the lists are rebuilt by the
   server on "Pratinjau" or when a row is added. */
(function () {
  "use strict";
  var start = document.querySelector("select[name=start]");
  if (!start || !document.querySelector) {
    return;
  }
  var form = start.form;

  function codes() {
    var found = [];
    form.querySelectorAll("input[name^=nodes-][name$=-id]").forEach(function (input) {
      if (/^nodes-\d+-id$/.test(input.name) && input.value.trim() && found.indexOf(input.value.trim()) < 0) {
        found.push(input.value.trim());
      }
    });
    return found;
  }

  function fill(select, values, keepFirst) {
    var current = select.value;
    var first = keepFirst ? select.options[0] : null;
    while (select.options.length) {
      select.remove(0);
    }
    if (first) {
      select.add(first);
    }
    values.forEach(function (value) {
      select.add(new Option(value, value));
    });
    if (current && values.indexOf(current) < 0) {
      select.add(new Option(current, current));
    }
    select.value = current || (keepFirst ? "" : (values[0] || ""));
  }

  function refresh() {
    var all = codes();
    if (all.length) {
      fill(start, all, false);
    }
    form.querySelectorAll("select[name$=-next]").forEach(function (select) {
      var own = form.querySelector("input[name='" + select.name.replace(/-choices-\d+-next$/, "-id") + "']");
      var ownCode = own ? own.value.trim() : "";
      fill(select, all.filter(function (code) { return code !== ownCode; }), true);
    });
  }

  form.addEventListener("change", function (event) {
    if (/^nodes-\d+-id$/.test(event.target.name || "")) {
      refresh();
    }
  });
}());
