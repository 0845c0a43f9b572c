// The attendance sheet of the study-activity page: absent / speaker toggles, live counts, adding and
// removing people. The counts shown here are a convenience; the server counts the saved rows.
(function () {
  "use strict";
  var form = document.getElementById("activity-form");
  if (!form) { return; }
  var rowsBox = document.getElementById("sheet-rows");
  var results = document.getElementById("sheet-search-results");
  var search = form.querySelector("[data-sheet-search]");

  function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll(".sheet-row")); }

  function setPanel(panel, on) {
    if (!panel) { return; }
    panel.hidden = !on;
    panel.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
  }

  function nextOrder() {
    var max = 0;
    rowsBox.querySelectorAll(".sheet-speak input[type=hidden]:not([disabled])").forEach(function (el) {
      max = Math.max(max, parseInt(el.value, 10) || 0);
    });
    return max + 1;
  }

  function count() {
    var all = rows();
    var invited = all.filter(function (r) { return r.classList.contains("is-invited"); }).length;
    var absent = all.filter(function (r) { return r.classList.contains("is-absent"); }).length;
    var speakers = all.filter(function (r) { return r.classList.contains("is-speaking"); }).length;
    var values = { expected: all.length - invited, present: all.length - invited - absent, absent: absent,
      invited: invited, speakers: speakers };
    form.querySelectorAll("[data-count]").forEach(function (el) { el.textContent = values[el.dataset.count]; });
    var list = document.getElementById("unit-people");
    if (list) {
      list.innerHTML = "";
      all.forEach(function (r) {
        var option = document.createElement("option");
        option.value = r.dataset.name;
        list.appendChild(option);
      });
    }
    var empty = rowsBox.querySelector(".sheet-empty");
    if (empty && all.length) { empty.remove(); }
  }

  function setAbsent(row, absent) {
    row.classList.toggle("is-absent", absent);
    setPanel(row.querySelector(".sheet-absent"), absent);
    var speak = row.querySelector("[data-toggle=speak]");
    if (absent && speak.checked) { speak.checked = false; setSpeaking(row, false); }
    speak.disabled = absent;
    if (absent) { row.querySelector(".sheet-absent select").focus(); }
  }

  function setSpeaking(row, speaking) {
    row.classList.toggle("is-speaking", speaking);
    var panel = row.querySelector(".sheet-speak");
    var order = panel.querySelector("input[type=hidden]");
    if (speaking && !(parseInt(order.value, 10) > 0)) { order.value = nextOrder(); }
    setPanel(panel, speaking);
    if (speaking) { panel.querySelector("textarea").focus(); } else { order.value = "0"; }
  }

  rowsBox.addEventListener("change", function (event) {
    var toggle = event.target.closest("[data-toggle]");
    if (!toggle) { return; }
    var row = toggle.closest(".sheet-row");
    if (toggle.dataset.toggle === "absent") { setAbsent(row, toggle.checked); } else { setSpeaking(row, toggle.checked); }
    count();
  });

  rowsBox.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-remove]");
    if (!remove) { return; }
    remove.closest(".sheet-row").remove();
    count();
  });

  // Adding someone already on the sheet shows their row instead of a duplicate.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var trigger = event.detail.elt;
    if (!trigger || !trigger.dataset || !trigger.dataset.addMember) { return; }
    var existing = rowsBox.querySelector('.sheet-row[data-member="' + trigger.dataset.addMember + '"]');
    if (existing) {
      event.preventDefault();
      existing.scrollIntoView({ block: "center" });
      existing.classList.add("flash");
      setTimeout(function () { existing.classList.remove("flash"); }, 1200);
      clearSearch();
    }
  });

  function clearSearch() {
    if (search) { search.value = ""; }
    if (results) { results.innerHTML = ""; }
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === rowsBox) {
      if (event.detail.requestConfig && event.detail.requestConfig.elt &&
          event.detail.requestConfig.elt.dataset.addMember) {
        clearSearch();
        var added = rows().pop();
        if (added) { added.scrollIntoView({ block: "nearest" }); added.classList.add("flash"); }
      }
      count();
    }
  });

  // Enter in the search box adds the only match instead of submitting the whole form.
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") { return; }
      event.preventDefault();
      var matches = results.querySelectorAll("[data-add-member]");
      if (matches.length === 1) { matches[0].click(); }
    });
  }

  // Choosing another unit lists its members; changes already made on the sheet are only thrown away
  // after asking.
  var orgSelect = document.getElementById("id_org");
  if (orgSelect) {
    var lastOrg = orgSelect.value;
    orgSelect.addEventListener("change", function () {
      var edited = rowsBox.querySelector(".is-absent, .is-speaking, .is-invited");
      if (edited && !window.confirm("更换组织会按新组织重新生成参加人员名单，当前名单上的修改将丢失。确定吗？")) {
        orgSelect.value = lastOrg;
        // A unit search picker (many units) puts its previous choice back too.
        orgSelect.dispatchEvent(new CustomEvent("picker:revert", { bubbles: true }));
        return;
      }
      lastOrg = orgSelect.value;
      htmx.ajax("GET", form.dataset.rosterUrl + "?org=" + encodeURIComponent(orgSelect.value),
        { target: "#sheet-rows", swap: "innerHTML" });
    });
  }

  // A campaign's own books and activity types are offered only while that campaign is chosen
  // (the server refuses them otherwise); hidden books are unticked.
  var campaignSelect = document.getElementById("id_campaign");
  function followCampaign() {
    var chosen = campaignSelect ? campaignSelect.value : "";
    form.querySelectorAll(".materials-list [data-campaign]").forEach(function (item) {
      var on = item.dataset.campaign === chosen;
      item.hidden = !on;
      if (!on) { item.querySelector("input").checked = false; }
    });
    form.querySelectorAll("#id_type option[data-campaign]").forEach(function (option) {
      var on = option.dataset.campaign === chosen;
      option.hidden = !on;
      option.disabled = !on;
      if (!on && option.selected) { option.selected = false; }
    });
  }
  if (campaignSelect) { campaignSelect.addEventListener("change", followCampaign); }
  followCampaign();

  count();
})();
