// Import pages: a busy state on the upload button, so a large file is not sent twice.
(function () {
  "use strict";
  var form = document.querySelector(".upload-form");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var button = form.querySelector(".upload-submit");
    if (!button) { return; }
    // Disabled after the browser has collected the form data, so the submission itself goes through.
    window.setTimeout(function () {
      button.disabled = true;
      button.textContent = button.dataset.busy || "…";
    }, 0);
  });
})();
