// Sportello's progressive enhancements. Every page works without this file.
// It is an ES module: it loads the UI kit's components it needs, and no
// inline script or style is ever used (see the content security policy).
import "../vendor/plugins/navbar-collapsible.js";

(function () {

  // The error summary takes focus (autofocus already does in most browsers).
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }
  // A link of the summary puts the cursor in its field, not just near it.
  if (summary) {
    summary.addEventListener("click", function (ev) {
      var a = ev.target.closest("a[href^='#']");
      var field = a && document.getElementById(a.getAttribute("href").slice(1));
      if (field) {
        ev.preventDefault();
        // Later, not now: a link followed with Enter would otherwise pass
        // the key on to the field, and Enter in a field submits the form.
        window.setTimeout(function () {
          field.focus();
          field.scrollIntoView({ block: "center" });
        }, 0);
      }
    });
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
