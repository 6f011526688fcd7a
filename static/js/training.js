/* Training pages: print buttons and copying the calendar subscription address (no inline script: strict CSP). */
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
