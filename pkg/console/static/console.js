// Keyboard shortcuts of the reviewers' console: n claims the next case,
// d goes to the decision form, i to the request for information. They do
// nothing while the focus is in a field, and every action stays a plain
// form that works without this script.
(function () {
  "use strict";
  var focusForm = function (id) {
    var form = document.getElementById(id);
    if (!form) { return false; }
    form.scrollIntoView({ block: "start" });
    var first = form.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) { first.focus(); }
    return true;
  };
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var handled = false;
    if (ev.key === "n") {
      var claim = document.getElementById("claim-next");
      if (claim) { claim.click(); handled = true; }
    } else if (ev.key === "d") {
      handled = focusForm("decide") || focusForm("decide-appeal");
    } else if (ev.key === "i") {
      handled = focusForm("request-info");
    }
    if (handled) { ev.preventDefault(); }
  });
})();
