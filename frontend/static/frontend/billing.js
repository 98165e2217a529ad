// Finance console (templates/frontend/billing/).
// 1. The monthly totals: a stacked bar chart drawn with the vendored ECharts (vendor/echarts-*.min.js),
//    one series per kind of seat. Markup: <div class="billing-chart" data-source="<id of a json_script>">
//    with {periods: [YYYY-MM], series: [{mode, name, data: [{fen, label}]}], totals: [label], total_label}.
//    Amounts come in integer fen with their labels formatted by the server; the bars are drawn in yuan.
// 2. Forms inside [data-swap-errors] show their errors: htmx swaps a 400 or 409 answer like a 200 one
//    (by default it swaps nothing for an error status and the form would seem to do nothing).
(function () {
  if (window.BillingChart) return;

  const COLOURS = ["#c8102e", "#1d4f91", "#5daf7e", "#f0a830"];

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span.innerHTML;
  }

  function tooltip(data) {
    return (params) => {
      const rows = params.map((item) => `${item.marker}${escapeHtml(item.seriesName)}: <b>${escapeHtml(item.data.formatted)}</b>`);
      const total = data.totals[params[0].dataIndex];
      return [`<b>${escapeHtml(params[0].axisValue)}</b>`, ...rows, `${escapeHtml(data.total_label)}: <b>${escapeHtml(total)}</b>`].join("<br>");
    };
  }

  function draw(element) {
    const echarts = window.echarts;
    const source = document.getElementById(element.dataset.source);
    if (!echarts || !source) return null;
    const data = JSON.parse(source.textContent);
    const chart = echarts.getInstanceByDom(element) || echarts.init(element);
    chart.setOption({
      color: COLOURS,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: tooltip(data) },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", axisLabel: { formatter: (value) => `¥${value.toLocaleString("zh-CN")}` } },
      series: data.series.map((series) => ({
        name: series.name,
        type: "bar",
        stack: "billed",
        barMaxWidth: 48,
        emphasis: { focus: "series" },
        // The bar's height in yuan; the exact amount (the server's label) is what the tooltip shows.
        data: series.data.map((point) => ({ value: point.fen / 100, formatted: point.label })),
      })),
    }, true);
    if (!element.billingChartObserved) {
      element.billingChartObserved = new ResizeObserver(() => echarts.getInstanceByDom(element)?.resize());
      element.billingChartObserved.observe(element);
    }
    return chart;
  }

  function drawAll(root) {
    for (const element of root.querySelectorAll(".billing-chart")) draw(element);
  }

  window.BillingChart = { draw };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => drawAll(document));
  else drawAll(document);

  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if ((status === 400 || status === 409) && event.detail.elt.closest && event.detail.elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
