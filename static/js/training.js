/* Training pages: print buttons, copying the calendar subscription address, and the session form's warning for a
   start in the past (no inline script: strict CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var printer = event.target.closest("[data-print]");
    if (printer) { window.print(); return; }
    var copier = event.target.closest("[data-copy]");
    if (copier) {
      var field = document.querySelector(copier.getAttribute("data-copy"));
      if (!field) { return; }
      field.select();
      var done = function () {
        if (window.portalToast) {
          window.portalToast(document.documentElement.lang === "en" ? "Copied." : "已复制。", "success");
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    }
  });
})();

(function () {
  "use strict";
  // The session form: show the server's warning while the start typed is before "now" in the portal's zone
  // (both are "YYYY-MM-DDTHH:MM" in that zone, so they compare as text).
  function check() {
    var warning = document.getElementById("start-passed");
    var start = document.getElementById("starts_at");
    if (!warning || !start || !start.value) { return; }
    warning.hidden = start.value > warning.getAttribute("data-local-now");
  }
  document.addEventListener("input", function (event) {
    if (event.target && event.target.id === "starts_at") { check(); }
  });
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "starts_at") { check(); }
  });
})();
