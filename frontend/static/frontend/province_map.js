// Province map: a choropleth of China's provinces drawn with the vendored ECharts
// (vendor/echarts-*.min.js) from vendor/china-provinces.json, provinces keyed by their
// GB/T 2260 two-digit code. Markup (see templates/frontend/_province_map.html):
//   <div class="province-map" data-geojson="…/china-provinces.json"
//        data-source="<id of a json_script with [{code, value, label, tooltip}]>"
//        data-pieces="<id of a json_script with [{value|min|max, color, label}]>"></div>
// Every .province-map is drawn on DOMContentLoaded (and in content htmx swaps in);
// window.ProvinceMap.render(element, options) draws or redraws one by hand (returns a Promise of
// the ECharts instance); window.ProvinceMap.chart(element) gives the instance once drawn.
(function () {
  if (window.ProvinceMap) return; // the script may be included more than once per page

  const geojsonByUrl = new Map(); // url -> Promise of {name by code}, fetched and registered once
  let echarts = null; // the first window.echarts seen: a second copy of echarts.min.js replaces the global
  const NANHAI = "南海诸岛";

  function loadMap(url, mapName) {
    const key = `${mapName} ${url}`;
    if (!geojsonByUrl.has(key)) {
      geojsonByUrl.set(key, fetch(url)
        .then((response) => {
          if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
          return response.json();
        })
        .then((geojson) => {
          echarts.registerMap(mapName, geojson);
          return Object.fromEntries(geojson.features.map((f) => [f.properties.code, f.properties.name]));
        })
        .catch((error) => { geojsonByUrl.delete(key); throw error; })); // try again next time
    }
    return geojsonByUrl.get(key);
  }

  // echarts.min.js may still be loading when this runs (scripts that htmx swaps in run async).
  function whenEcharts(tries = 100) {
    echarts = echarts || window.echarts;
    if (echarts) return Promise.resolve(echarts);
    if (!tries) return Promise.reject(new Error("ProvinceMap: window.echarts never loaded"));
    return new Promise((resolve) => setTimeout(resolve, 50)).then(() => whenEcharts(tries - 1));
  }

  const readJson = (id) => JSON.parse((id && document.getElementById(id) || {}).textContent || "[]");

  function escapeHtml(text) {
    const span = document.createElement("span");
    span.textContent = String(text);
    return span.innerHTML;
  }

  async function render(element, options = {}) {
    const mapName = options.mapName || "china";
    const data = options.data || readJson(element.dataset.source);
    const pieces = options.pieces || readJson(element.dataset.pieces);
    const emptyColor = options.emptyColor || "#eef0f3";
    await whenEcharts();
    const chart = echarts.getInstanceByDom(element) || echarts.init(element);
    chart.showLoading();
    const names = await loadMap(options.geojson || element.dataset.geojson, mapName).finally(() => chart.hideLoading());

    const unknown = data.filter((item) => !names[item.code]).map((item) => item.code);
    if (unknown.length) console.warn("ProvinceMap: no province with code", unknown);
    const items = data.filter((item) => names[item.code]).map((item) => ({ ...item, name: names[item.code] }));
    // Hovering keeps a province's colour; regions without data need their own item for that.
    // ECharts adds 南海诸岛 (an inset of thin shapes) to a map registered as "china": draw it darker.
    const drawn = new Set(items.map((item) => item.name));
    for (const name of [...Object.values(names), NANHAI].filter((n) => !drawn.has(n))) {
      const style = name === NANHAI ? { areaColor: "#9aa3ad", borderColor: "#9aa3ad" } : { areaColor: emptyColor };
      items.push({ name, itemStyle: style, emphasis: { itemStyle: style } });
    }
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: (params) => {
          const item = params.data && params.data.code ? params.data : null; // not an empty region
          if (item && item.tooltip) return item.tooltip; // trusted html built by the server
          const detail = item ? (item.label != null ? item.label : item.value) : options.emptyLabel;
          return escapeHtml(params.name) + (detail != null ? `<br>${escapeHtml(detail)}` : "");
        },
      },
      visualMap: {
        type: "piecewise",
        pieces,
        show: options.legend !== false,
        left: "left",
        bottom: 0,
        outOfRange: { color: emptyColor },
      },
      series: [{
        type: "map",
        map: mapName,
        roam: false,
        selectedMode: false,
        data: items,
        itemStyle: { areaColor: emptyColor, borderColor: "#fff", borderWidth: 0.8 },
        label: { show: false },
        emphasis: { label: { show: true, color: "#222" }, itemStyle: { areaColor: null, color: null, borderColor: "#333", borderWidth: 1.2 } },
      }],
    }, true);
    if (options.option) chart.setOption(options.option); // extra ECharts option, merged in

    if (!element.provinceMapObserved) { // resize with the window (or with the element's container)
      element.provinceMapObserved = new ResizeObserver(() => echarts.getInstanceByDom(element)?.resize());
      element.provinceMapObserved.observe(element);
    }
    return chart;
  }

  function renderAll(root) {
    const elements = [...root.querySelectorAll(".province-map")];
    if (root.matches && root.matches(".province-map")) elements.push(root);
    for (const element of elements.filter((e) => !e.dataset.provinceMapDrawn)) {
      element.dataset.provinceMapDrawn = "1";
      render(element).catch((error) => console.error("ProvinceMap:", error));
    }
  }

  // The chart of an element (use this, not window.echarts, which a second echarts.min.js replaces).
  const chart = (element) => (echarts ? echarts.getInstanceByDom(element) : undefined);
  window.ProvinceMap = { render, chart };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => renderAll(document));
  else renderAll(document);
  document.addEventListener("htmx:load", (event) => renderAll(event.target));
})();
