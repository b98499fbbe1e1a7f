// Sportello's progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // The error summary takes focus (autofocus already does in most browsers).
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  // Warn before the form's session expires; offer to extend it without
  // losing what was typed. The server enforces the expiry regardless.
  var main = document.getElementById("main");
  var expires = main && Date.parse(main.getAttribute("data-session-expires") || "");
  var warning = document.getElementById("session-warning");
  if (!expires || !warning) {
    return;
  }
  var lead = 2 * 60 * 1000;
  function schedule(at) {
    var wait = at - lead - Date.now();
    window.setTimeout(function () {
      warning.hidden = false;
      var btn = warning.querySelector("button");
      if (btn) { btn.focus(); }
    }, Math.max(wait, 0));
  }
  schedule(expires);
  var extend = warning.querySelector("button");
  if (extend) {
    extend.addEventListener("click", function () {
      var form = document.querySelector("form[data-form-id]");
      if (!form) { return; }
      fetch("/sessione/rinnova?form=" + encodeURIComponent(form.getAttribute("data-form-id")), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
        if (!data) { return; }
        var input = form.querySelector("input[name=_token]");
        if (input) { input.value = data.token; }
        warning.hidden = true;
        schedule(Date.parse(data.expires));
      });
    });
  }
})();
