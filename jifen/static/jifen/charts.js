// Charts drawn with the vendored ECharts (static/vendor/echarts.min.js, no CDN).
// A chart is <div class="chart" data-chart="ID"></div> beside {{ options|json_script:"ID" }}: the JSON is
// an ECharts option object built on the server. Include in a page's head block:
//   <script src="{% static 'vendor/echarts.min.js' %}" defer></script>
//   <script src="{% static 'jifen/charts.js' %}" defer></script>
(function () {
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach((element) => {
      if (element.dataset.chartDrawn) return;
      const source = document.getElementById(element.dataset.chart);
      if (!source || !window.echarts) return;
      const chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(JSON.parse(source.textContent));
      element.dataset.chartDrawn = "1";
      new ResizeObserver(() => chart.resize()).observe(element);
    });
  }
  document.addEventListener("DOMContentLoaded", () => draw(document));
  document.addEventListener("htmx:afterSettle", (event) => draw(event.target));
})();
