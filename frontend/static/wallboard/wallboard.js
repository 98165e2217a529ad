// Supervisor wallboard (templates/frontend/wallboard/page.html), live over ws(s)://<host>/ws/supervisor/wallboard/.
//
// The page carries a first snapshot (#wallboard-snapshot) and its words (#wallboard-texts, the template's
// <template> elements): this script only fills them in. Every snapshot replaces the figures; waits and
// times in state tick here between snapshots. The websocket reconnects by itself (backoff capped at 5 s).
//
// Stable hooks, for browser tests and anyone scripting the page:
//   #wallboard                     root; data-live = the websocket path
//   #wallboard-connection          data-state = connecting | open | closed
//   #wallboard-updated             the time of the snapshot shown
//   #wallboard-queues              the queue tiles, each [data-queue="<queue name>"] (data-queue-id = id) with
//                                  [data-field="waiting" | "longest_wait" | "service_level" | "target" | "offered" |
//                                  "answered" | "abandoned" | "asa" | "ready"]; [data-field="service_level"] has
//                                  data-level = good (at or above target) | warning (< 10 points below) | bad | none
//   #wallboard-chart               logged-in agents per queue by state (ECharts, vendor/echarts-*.min.js)
//   #wallboard-agents              the agents' table body, one tr[data-agent="<employee number>"] (data-agent-id = id)
//                                  per logged-in agent, with [data-field="state"] (data-state = state code),
//                                  "time_in_state", "reason", "call", "queue", "name", "team" and the buttons
//                                  [data-action="force_not_ready"] and [data-action="force_logout"] (confirm first)
//   #wallboard-message             the outcome of the last action (data-kind = ok | error)
//   #wallboard-no-queues, #wallboard-no-agents   shown when there is nothing to list
(function () {
  const root = document.getElementById("wallboard");
  if (!root) return;

  const texts = JSON.parse(document.getElementById("wallboard-texts").textContent);
  const STATES = Object.keys(texts.states);
  const COLOURS = {
    ready: "#1b7f4b", ringing: "#f0a830", on_call: "#1d4f91", on_hold: "#7b4fa0",
    after_call_work: "#2a9d8f", not_ready: "#c8102e",
  };
  const NONE = "—";
  const WARNING_POINTS = 0.1; // below target by less than this: amber, not red
  const RETRY_FIRST_MS = 500;
  const RETRY_MAX_MS = 5000;

  const queues = document.getElementById("wallboard-queues");
  const agents = document.getElementById("wallboard-agents");
  const connection = document.getElementById("wallboard-connection");
  const message = document.getElementById("wallboard-message");
  const chartElement = document.getElementById("wallboard-chart");
  let snapshot = null;
  let receivedAt = 0; // performance.now() when `snapshot` arrived: the clocks tick from there
  let socket = null;

  const duration = window.formatDuration; // frontend/durations.js

  function percent(share) {
    return share === null || share === undefined ? NONE : `${Math.round(share * 100)}%`;
  }

  function level(share, target) {
    if (share === null || share === undefined) return "none";
    if (share >= target) return "good";
    return share >= target - WARNING_POINTS ? "warning" : "bad";
  }

  function set(element, field, text) {
    const target = element.querySelector(`[data-field="${field}"]`);
    if (target.textContent !== text) target.textContent = text;
    return target;
  }

  // Keeps one element per item, in the items' order, made from a <template> the first time it is seen.
  function reconcile(container, items, templateId, keyOf, fill) {
    const existing = new Map([...container.children].map((element) => [element.dataset.key, element]));
    const template = document.getElementById(templateId);
    let previous = null;
    for (const item of items) {
      const key = String(keyOf(item));
      let element = existing.get(key);
      if (element) existing.delete(key);
      else {
        element = template.content.firstElementChild.cloneNode(true);
        element.dataset.key = key;
      }
      fill(element, item);
      const expected = previous ? previous.nextElementSibling : container.firstElementChild;
      if (element !== expected) container.insertBefore(element, expected);
      previous = element;
    }
    for (const stale of existing.values()) stale.remove();
  }

  function elapsed() {
    return (performance.now() - receivedAt) / 1000;
  }

  function fillQueue(tile, queue) {
    tile.dataset.queue = queue.name;
    tile.dataset.queueId = queue.id;
    set(tile, "name", queue.name);
    set(tile, "target", percent(queue.service_level_target));
    set(tile, "waiting", String(queue.waiting));
    set(tile, "offered", String(queue.offered_today));
    set(tile, "answered", String(queue.answered_today));
    set(tile, "abandoned", String(queue.abandoned_today));
    set(tile, "asa", queue.asa_seconds === null ? NONE : duration(queue.asa_seconds));
    set(tile, "ready", String(queue.agents.ready || 0));
    const serviceLevel = set(tile, "service_level", percent(queue.service_level_today));
    serviceLevel.dataset.level = level(queue.service_level_today, queue.service_level_target);
    tile.classList.toggle("wb-waiting", queue.waiting > 0);
  }

  function fillAgent(row, agent) {
    row.dataset.agent = agent.employee_number;
    row.dataset.agentId = agent.id;
    set(row, "employee_number", agent.employee_number);
    set(row, "name", agent.name);
    set(row, "team", agent.team || NONE);
    const state = set(row, "state", texts.states[agent.state] || agent.state);
    state.dataset.state = agent.state;
    set(row, "reason", agent.reason || "");
    set(row, "call", agent.call_id || "");
    set(row, "queue", agent.queue || "");
    // The service refuses to log out an agent in the middle of a call; say so before the click.
    row.querySelector('[data-action="force_logout"]').disabled = agent.state === "on_call" || agent.state === "on_hold";
  }

  // Waits and times in state move every second between snapshots.
  function tick() {
    if (!snapshot) return;
    const since = elapsed();
    for (const queue of snapshot.queues) {
      const tile = queues.querySelector(`[data-queue-id="${queue.id}"]`);
      if (tile) set(tile, "longest_wait", queue.waiting ? duration(queue.longest_wait_seconds + since) : NONE);
    }
    for (const agent of snapshot.agents) {
      const row = agents.querySelector(`[data-agent-id="${agent.id}"]`);
      if (row) set(row, "time_in_state", duration(agent.seconds_in_state + since));
    }
  }

  function drawChart() {
    const echarts = window.echarts;
    if (!echarts || !snapshot) return;
    const chart = echarts.getInstanceByDom(chartElement) || echarts.init(chartElement);
    const names = snapshot.queues.map((queue) => queue.name);
    chartElement.style.height = `${Math.max(200, 110 + 44 * names.length)}px`;
    chart.resize();
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { bottom: 0, itemWidth: 14, itemHeight: 10 },
      grid: { left: 8, right: 16, top: 8, bottom: 64, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true },
      series: STATES.map((state) => ({
        name: texts.states[state],
        type: "bar",
        stack: "agents",
        barMaxWidth: 28,
        itemStyle: { color: COLOURS[state] },
        data: snapshot.queues.map((queue) => queue.agents[state] || 0),
      })),
    }, true);
    if (!chartElement.wallboardObserved) {
      chartElement.wallboardObserved = new ResizeObserver(() => echarts.getInstanceByDom(chartElement)?.resize());
      chartElement.wallboardObserved.observe(chartElement);
    }
  }

  function show(next) {
    snapshot = next;
    receivedAt = performance.now();
    reconcile(queues, next.queues, "wallboard-queue-tile", (queue) => queue.id, fillQueue);
    reconcile(agents, next.agents, "wallboard-agent-row", (agent) => agent.id, fillAgent);
    document.getElementById("wallboard-no-queues").hidden = next.queues.length > 0;
    document.getElementById("wallboard-no-agents").hidden = next.agents.length > 0;
    const updated = document.getElementById("wallboard-updated");
    updated.dateTime = next.at;
    updated.textContent = new Date(next.at).toLocaleTimeString(document.documentElement.lang || undefined,
      { hour12: false });
    tick();
    drawChart();
  }

  function say(kind, text) {
    message.dataset.kind = kind;
    message.textContent = text;
    message.hidden = false;
  }

  agents.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const row = button.closest("tr");
    const question = texts[`confirm_${button.dataset.action}`].replace("%(name)s", row.querySelector('[data-field="name"]').textContent);
    if (!window.confirm(question)) return;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      say("error", texts.offline);
      return;
    }
    socket.send(JSON.stringify({ action: button.dataset.action, agent: Number(row.dataset.agentId) }));
  });

  function connect(delay) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    connection.dataset.state = "connecting";
    socket = new WebSocket(`${scheme}://${location.host}${root.dataset.live}`);
    socket.onopen = () => {
      delay = RETRY_FIRST_MS;
      connection.dataset.state = "open";
    };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "wallboard") show(data);
      else if (data.type === "ok") say("ok", texts.done);
      else if (data.type === "error") say("error", data.message);
    };
    socket.onclose = () => {
      connection.dataset.state = "closed";
      setTimeout(() => connect(Math.min(delay * 2, RETRY_MAX_MS)), delay);
    };
  }

  show(JSON.parse(document.getElementById("wallboard-snapshot").textContent));
  setInterval(tick, 1000);
  // ECharts loads with `defer` before this script; draw again in case it was not ready.
  window.addEventListener("load", drawChart);
  connect(RETRY_FIRST_MS);
})();
