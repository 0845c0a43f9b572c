// Task form: show which campaign week and weekday the chosen dates fall on (落实到周、明确到天),
// and keep the end date from falling before the start.
(function () {
  "use strict";
  var start = document.getElementById("id_planned_start");
  var end = document.getElementById("id_planned_end");
  var hint = document.getElementById("week-hint");
  if (!start || !hint) { return; }
  var campaignStart = start.dataset.campaignStart;
  var WEEKDAYS = ["日", "一", "二", "三", "四", "五", "六"];
  function parse(value) {
    var parts = (value || "").split("-");
    return parts.length === 3 ? new Date(+parts[0], +parts[1] - 1, +parts[2]) : null;
  }
  function monday(date) {
    var d = new Date(date.getTime());
    d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
    return d;
  }
  function week(date) {
    var base = parse(campaignStart);
    if (!base) { return null; }
    return Math.round((monday(date) - monday(base)) / (7 * 86400000)) + 1;
  }
  function describe(date) {
    var n = week(date);
    return (n ? "第" + n + "周" : "") + " 周" + WEEKDAYS[date.getDay()] + "（" + (date.getMonth() + 1) + "月" + date.getDate() + "日）";
  }
  function update() {
    var s = parse(start.value);
    var e = parse(end && end.value);
    if (!s) { hint.textContent = ""; return; }
    if (end && (!e || e < s)) { end.min = start.value; }
    hint.textContent = "计划时间：" + describe(s) + (e && e > s ? " 至 " + describe(e) : "");
  }
  start.addEventListener("change", update);
  if (end) { end.addEventListener("change", update); }
  update();
})();
