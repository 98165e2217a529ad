// Platform console: tenant statuses arrive over a websocket the moment provisioning ends.
(function () {
  const table = document.getElementById("tenants");
  if (!table) return;
  const statusLabels = JSON.parse(document.getElementById("status-labels").textContent);

  // htmx swaps error responses (the form with its messages) into the form itself.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.xhr.status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.target = document.getElementById("tenant-form");
      event.detail.swapOverride = "outerHTML";
    }
  });
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful && event.detail.elt.id === "tenant-form") event.detail.elt.reset();
  });

  function connect(delay) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${table.dataset.live}`);
    socket.onopen = () => { delay = 1000; };
    socket.onmessage = (message) => {
      const tenant = JSON.parse(message.data);
      const row = table.querySelector(`tr[data-slug="${CSS.escape(tenant.slug)}"]`);
      if (!row) return;
      const status = row.querySelector('[data-field="status"]');
      status.textContent = statusLabels[tenant.status] || tenant.status;
      status.className = `status status-${tenant.status}`;
      if (tenant.status !== "provisioning") row.querySelector('[data-field="progress"]')?.remove();
    };
    socket.onclose = () => setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  }
  connect(1000);
})();
