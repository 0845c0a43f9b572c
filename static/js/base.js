// Site-wide behaviour. No inline scripts anywhere (CSP script-src 'self').
(function () {
  "use strict";
  // htmx requests carry the CSRF token from the meta tag.
  document.body.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });
  // Forms or buttons with data-confirm ask before submitting (delete, sign off, return …).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  }, true);
  // Select elements with data-autosubmit submit their form on change (filters).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.requestSubmit(); }
  });
})();
