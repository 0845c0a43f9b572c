// Dashboard charts (ECharts, served locally). The page's figures come with the page; the chart data is
// fetched from reports:dashboard_charts once the page is on screen (at city scale the seven breakdowns
// cost as much as the rest of the page). Every bar, point and slice links to the rows behind it, like
// every figure on the page.
(function () {
  "use strict";
  var holder = document.querySelector(".charts[data-charts-url]");
  if (!holder || !window.echarts) { return; }
  var palette = ["#b5121b", "#d9822b", "#2b7bb9", "#3a9d5d", "#7d5ba6", "#8c8c8c", "#c9a227"];

  function build(kind, points, unit) {
    var labels = points.map(function (p) { return p.label; });
    var values = points.map(function (p) { return p.value; });
    var tooltip = { trigger: kind === "pie" ? "item" : "axis", valueFormatter: function (v) { return v + unit; } };
    if (kind === "pie") {
      return {
        color: palette, tooltip: tooltip,
        legend: { bottom: 0, type: "scroll" },
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], minShowLabelAngle: 12,
          label: { formatter: "{b}\n{c}" },
          data: points.map(function (p) { return { name: p.label, value: p.value }; }) }]
      };
    }
    var horizontal = kind === "hbar";
    var category = { type: "category", data: labels, axisLabel: { interval: 0, width: 96, overflow: "truncate" } };
    var numeric = { type: "value", max: unit === "%" ? 100 : null, minInterval: 1 };
    return {
      color: palette, tooltip: tooltip,
      grid: { left: horizontal ? 8 : 36, right: 24, top: 16, bottom: 8, containLabel: true },
      xAxis: horizontal ? numeric : category,
      yAxis: horizontal ? Object.assign(category, { inverse: true }) : numeric,
      series: [{ type: kind === "line" ? "line" : "bar", data: values, barMaxWidth: 28, smooth: false,
        label: { show: true, position: horizontal ? "right" : "top", formatter: "{c}" + (unit === "%" ? "%" : "") } }]
    };
  }

  function say(el, text) {
    el.classList.add("d-flex", "align-items-center", "justify-content-center", "text-muted", "small");
    el.style.height = "80px";
    el.textContent = text;
  }

  var charts = [];
  var boxes = holder.querySelectorAll(".chart[data-chart]");
  boxes.forEach(function (el) { say(el, "图表加载中…"); });
  fetch(holder.dataset.chartsUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(draw)
    .catch(function () { boxes.forEach(function (el) { say(el, "图表加载失败，请刷新页面重试"); }); });

  function draw(data) {
    boxes.forEach(function (el) {
      var points = data[el.dataset.chart] || [];
      if (!points.length) { say(el, "暂无数据"); return; }
      el.classList.remove("d-flex", "align-items-center", "justify-content-center", "text-muted", "small");
      el.textContent = "";
      el.style.height = el.dataset.kind === "hbar" ? Math.max(220, points.length * 30 + 40) + "px" : "";
      var chart = window.echarts.init(el);
      chart.setOption(build(el.dataset.kind, points, el.dataset.unit || ""));
      chart.on("click", function (params) {
        var point = points[params.dataIndex];
        if (point && point.url) { window.location.href = point.url; }
      });
      charts.push(chart);
    });
    holder.dataset.drawn = "1";
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
