// The visit form: add finding rows, filter and count the participant checkboxes.
// No inline scripts (CSP); listeners are delegated so they survive htmx swapping the participant list.
(function () {
  "use strict";

  function addFinding() {
    var total = document.getElementById("id_findings-TOTAL_FORMS");
    var template = document.getElementById("finding-template");
    if (!total || !template) { return; }
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    document.querySelector(".finding-rows").appendChild(row);
    total.value = String(index + 1);
    var text = row.querySelector("textarea");
    if (text) { text.focus(); }
  }

  function countParticipants(box) {
    if (!box) { return; }
    var counter = box.querySelector(".participants-count");
    if (counter) { counter.textContent = String(box.querySelectorAll("input[type=checkbox]:checked").length); }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".add-finding")) {
      event.preventDefault();
      addFinding();
    }
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".participants-filter")) { return; }
    var words = input.value.trim();
    var box = input.closest(".participants-box");
    box.querySelectorAll(".participant-choice").forEach(function (choice) {
      choice.hidden = words !== "" && choice.dataset.name.indexOf(words) === -1;
    });
    box.querySelectorAll(".participant-group").forEach(function (group) {
      group.hidden = group.querySelector(".participant-choice:not([hidden])") === null;
    });
  });

  // Enter in the name filter must not submit the whole visit form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches(".participants-filter")) {
      event.preventDefault();
    }
  });

  document.addEventListener("change", function (event) {
    var box = event.target.closest && event.target.closest(".participants-box");
    if (box) { countParticipants(box); }
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    countParticipants(document.getElementById("participants-box"));
  });
  countParticipants(document.getElementById("participants-box"));
})();
