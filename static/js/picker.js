// Search pickers (core/widgets.py): choose rows found by the server search; the chosen ids are hidden
// inputs under the field's own name. No inline scripts (CSP); listeners are delegated, so pickers
// inside htmx-swapped fragments work too.
(function () {
  "use strict";

  function fire(input) {
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function makeChip(picker, value, label) {
    var chip = document.createElement("span");
    chip.className = "picker-chip badge text-bg-light border fw-normal";
    chip.dataset.pickerChip = value;
    if (picker.hasAttribute("data-picker-multiple")) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = picker.dataset.pickerName;
      hidden.value = value;
      chip.appendChild(hidden);
    }
    var text = document.createElement("span");
    text.className = "picker-label";
    text.textContent = label;
    chip.appendChild(text);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close picker-remove";
    remove.setAttribute("data-picker-remove", "");
    remove.setAttribute("aria-label", "移除 " + label);
    chip.appendChild(remove);
    return chip;
  }

  function choose(picker, value, label) {
    var chosen = picker.querySelector(".picker-chosen");
    if (picker.hasAttribute("data-picker-multiple")) {
      if (!chosen.querySelector('[data-picker-chip="' + CSS.escape(value) + '"]')) {
        chosen.appendChild(makeChip(picker, value, label));
      }
    } else {
      var single = picker.querySelector(":scope > input[type=hidden]");
      picker.previous = { value: single.value, chips: Array.from(chosen.children) };
      chosen.replaceChildren(makeChip(picker, value, label));
      single.value = value;
      fire(single);
      // A navigation form (which unit to show) goes there as soon as a unit is chosen.
      var form = picker.closest("form[data-picker-autosubmit]");
      if (form) { form.requestSubmit(); return; }
    }
    var search = picker.querySelector(".picker-search");
    search.value = "";
    picker.querySelector(".picker-results").replaceChildren();
    search.focus();
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    var option = event.target.closest("[data-picker-value]");
    if (option) {
      event.preventDefault();
      choose(option.closest("[data-picker]"), option.dataset.pickerValue, option.dataset.pickerLabel);
      return;
    }
    var remove = event.target.closest("[data-picker-remove]");
    if (remove) {
      event.preventDefault();
      var picker = remove.closest("[data-picker]");
      remove.closest("[data-picker-chip]").remove();
      if (!picker.hasAttribute("data-picker-multiple")) {
        var single = picker.querySelector(":scope > input[type=hidden]");
        single.value = "";
        fire(single);
      }
    }
  });

  // A page script that refuses a change (e.g. the attendance sheet asking before dropping edits)
  // sends "picker:revert" to the hidden input: the previous choice comes back, without a change event.
  document.addEventListener("picker:revert", function (event) {
    var picker = event.target.closest && event.target.closest("[data-picker]");
    if (!picker || !picker.previous) { return; }
    picker.querySelector(":scope > input[type=hidden]").value = picker.previous.value;
    picker.querySelector(".picker-chosen").replaceChildren.apply(
      picker.querySelector(".picker-chosen"), picker.previous.chips);
    picker.previous = null;
  });

  // Enter in a search box picks the first match instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches || !event.target.matches(".picker-search")) { return; }
    event.preventDefault();
    var picker = event.target.closest("[data-picker]");
    var first = picker.querySelector("[data-picker-value]");
    if (first) { choose(picker, first.dataset.pickerValue, first.dataset.pickerLabel); }
  });
})();
