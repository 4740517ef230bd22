// Draws every <div class="chart" data-chart="{...}"> with ECharts; the data comes from the server in the
// attribute (no inline script: the Content-Security-Policy allows scripts from this server only).
(function () {
  function draw(el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = echarts.init(el);
    var option;
    if (spec.type === "pie") {
      option = { tooltip: {}, series: [{ type: "pie", radius: "65%", data: spec.data }] };
    } else if (spec.type === "timeline") {
      var xs = spec.x.map(function (t) { return new Date(t * 1000).toLocaleTimeString(); }).reverse();
      option = { tooltip: { trigger: "axis" }, xAxis: { type: "category", data: xs },
                 yAxis: { type: "value", name: "s" }, series: [{ type: "line", data: spec.y.slice().reverse() }] };
    } else {
      option = { tooltip: { trigger: "axis" }, legend: {}, xAxis: { type: "category", data: spec.x },
                 yAxis: { type: "value" },
                 series: spec.series.map(function (s) { return { type: spec.type || "bar", stack: "total", name: s.name, data: s.data }; }) };
    }
    option.animation = false;  // drawn at once: what a screenshot or a slow laptop shows is final
    chart.setOption(option);
    el.setAttribute("data-drawn", "1");
  }
  document.querySelectorAll("div.chart[data-chart]").forEach(draw);
})();
