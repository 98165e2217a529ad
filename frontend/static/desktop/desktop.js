// Agent desktop (templates/frontend/desktop/page.html), live over ws(s)://<host>/ws/agent/desktop/.
//
// The server is the only source of truth: the page carries a first snapshot (#desktop-snapshot), the
// websocket sends a new one on connect and after every change, and this script only draws the latest.
// Actions go to the server and come back as {"type": "ok" | "error"}; their effect arrives as a snapshot,
// never as a local guess. Words come from the template (#desktop-texts and the markup). The socket
// reconnects by itself (backoff from 0.5 s, doubled, capped at 5 s) and draws the snapshot it gets.
//
// Stable hooks (id = data-testid), for browser tests:
//   #desktop                 root; data-live = the websocket path, data-connection = as #desktop-connection
//   #desktop-connection      data-state = connecting | open | closed (reconnecting) | stopped
//   #desktop-state           data-state = the agent's state code; #state-label, #state-reason, #state-timer
//   #desktop-seat            the seat and extension while logged in
//   #desktop-message         the last refusal (data-kind = error), hidden after a success
//   #session-ended           shown when this desktop's session was ended (data-reason = elsewhere |
//                            supervisor | logout); #resume-button reconnects after a login elsewhere
//   #login-panel             while logged out: #login-seat (select, "" = default or any free seat), #login-button
//   #status-panel            while logged in: #ready-button, #not-ready-reason (select), #not-ready-button,
//                            #pending-not-ready, #logout-button
//   #dial-panel              #dial-number, #dial-button
//   #call-panel              data-state = the agent's state while a call is shown (ringing highlights);
//                            data-call = the gateway's call id; #caller-number, #caller-province, #call-queue,
//                            #call-status, #call-timer, #answer-button, #hold-button, #unhold-button,
//                            #hangup-button, #transfer-mode, #transfer-kind, #transfer-target, #transfer-button
//                            (buttons that do not fit the state are hidden as well as disabled)
//   #wrap-up-panel           on a call and in after-call work: #wrap-up-code, #wrap-up-notes, #wrap-up-fcr,
//                            #wrap-up-done (saves during the call, ends after-call work after it), #acw-countdown
//   #history-panel           while a call is shown: #call-history, a tbody with one tr[data-call="<call id>"] per
//                            earlier call of the caller (newest first), or #no-history
// Every action button carries data-action = the action it sends, and is disabled unless the state allows it.
(function () {
  const root = document.getElementById("desktop");
  if (!root) return;

  const texts = JSON.parse(document.getElementById("desktop-texts").textContent);
  const RETRY_FIRST_MS = 500;
  const RETRY_MAX_MS = 5000;
  const NONE = "—";
  const LOGGED_IN = ["not_ready", "ready", "ringing", "on_call", "on_hold", "after_call_work"];
  const ON_A_CALL = ["on_call", "on_hold"];
  // The states each action is allowed from (saas/acd/states.py and services.do_request).
  const ALLOWED = {
    login: ["logged_out"],
    logout: ["not_ready", "ready", "ringing", "after_call_work"],
    ready: ["not_ready", "after_call_work"],
    not_ready: ["ready", "not_ready", "ringing", "after_call_work"],
    answer: ["ringing"],
    hold: ["on_call"],
    unhold: ["on_hold"],
    hangup: ON_A_CALL,
    transfer: ON_A_CALL,
    dial_out: ["ready", "not_ready"],
    wrap_up: [...ON_A_CALL, "after_call_work"],
  };
  const $ = (id) => document.getElementById(id);
  const el = {
    connection: $("desktop-connection"), state: $("desktop-state"), stateLabel: $("state-label"),
    stateReason: $("state-reason"), stateTimer: $("state-timer"), seat: $("desktop-seat"),
    message: $("desktop-message"), ended: $("session-ended"), endedText: $("session-ended-text"),
    resume: $("resume-button"), loginPanel: $("login-panel"), loginSeat: $("login-seat"),
    statusPanel: $("status-panel"), reason: $("not-ready-reason"), pending: $("pending-not-ready"),
    dialPanel: $("dial-panel"), dialNumber: $("dial-number"), callPanel: $("call-panel"), noCall: $("no-call"),
    callDetails: $("call-details"), callerNumber: $("caller-number"), callerProvince: $("caller-province"),
    callQueue: $("call-queue"), callStatus: $("call-status"), callTimer: $("call-timer"),
    answer: $("answer-button"), hold: $("hold-button"), unhold: $("unhold-button"), hangup: $("hangup-button"),
    transfer: $("transfer-panel"), talkTime: $("call-talk-time"), transferMode: $("transfer-mode"),
    transferKind: $("transfer-kind"), transferTarget: $("transfer-target"), wrapUpPanel: $("wrap-up-panel"),
    wrapUpCode: $("wrap-up-code"), wrapUpRequired: $("wrap-up-required"), wrapUpNotes: $("wrap-up-notes"),
    wrapUpFcr: $("wrap-up-fcr"), wrapUpDone: $("wrap-up-done"), countdown: $("acw-countdown"),
    historyPanel: $("history-panel"), history: $("call-history"), noHistory: $("no-history"),
  };
  const defaultSeatOption = el.loginSeat.options[0];
  const pageTitle = document.title;

  let snapshot = JSON.parse(document.getElementById("desktop-snapshot").textContent);
  let socket = null;
  let connected = false;
  let stopped = false; // no reconnecting: the session moved elsewhere, or the user is signed out
  let retryMs = RETRY_FIRST_MS;
  // The wrap-up form keeps what the agent types until it is saved; a new call resets it.
  let wrapUpCall = null;
  let wrapUpEdited = false;

  // --- Connection -----------------------------------------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${root.dataset.live}`);
    showConnection("connecting");
    socket.onopen = () => {
      connected = true;
      retryMs = RETRY_FIRST_MS;
      showConnection("open");
      render();
    };
    socket.onmessage = (event) => receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      connected = false;
      socket = null;
      if (event.code === 4403) {
        stop(texts.signed_out, "signed_out");
      } else if (!stopped) {
        showConnection("closed");
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      }
      render();
    };
  }

  function showConnection(state) {
    el.connection.dataset.state = state;
    root.dataset.connection = state; // while not "open", what is drawn may be out of date
  }

  function stop(text, reason) {
    stopped = true;
    showConnection("stopped");
    showEnded(text, reason, reason === "elsewhere");
    if (socket) socket.close();
  }

  function receive(message) {
    if (message.type === "state") {
      if (message.state !== snapshot.state) say("", ""); // a refusal is stale once the state moved on
      snapshot = message;
      render();
    } else if (message.type === "ok") {
      say("", "");
      if (message.action === "wrap_up") wrapUpEdited = false;
      if (message.action === "login") el.ended.hidden = true;
    } else if (message.type === "error") {
      say(message.message, "error");
    } else if (message.type === "session_ended") {
      const text = texts.session_ended[message.reason] || texts.session_ended.logout;
      if (message.reason === "elsewhere") stop(text, message.reason);
      else showEnded(text, message.reason, false);
    }
  }

  function send(action, fields) {
    if (!connected) return;
    socket.send(JSON.stringify({ action, ...fields }));
  }

  // --- Drawing --------------------------------------------------------------------------------------

  function say(text, kind) {
    el.message.textContent = text;
    el.message.dataset.kind = kind;
    el.message.hidden = !text;
  }

  function showEnded(text, reason, canResume) {
    el.endedText.textContent = text;
    el.ended.dataset.reason = reason;
    el.ended.hidden = false;
    el.resume.hidden = !canResume;
  }

  function allowed(action) {
    if (!connected || !ALLOWED[action].includes(snapshot.state)) return false;
    const call = snapshot.call;
    const wrapUpMissing = snapshot.state === "after_call_work" && call && call.wrap_up_required && !call.wrap_up_code;
    if ((action === "ready" || action === "not_ready") && wrapUpMissing) return false;
    if (action === "not_ready") return Boolean(el.reason.value);
    if (action === "transfer") return Boolean(el.transferTarget.value.trim());
    if (action === "dial_out") return Boolean(el.dialNumber.value.trim());
    if (action === "wrap_up" && snapshot.state === "after_call_work" && call && call.wrap_up_required) {
      return Boolean(el.wrapUpCode.value || call.wrap_up_code);
    }
    return true;
  }

  function options(select, items, placeholder) {
    const key = JSON.stringify(items);
    if (select.dataset.items === key) return; // unchanged: leave an open list alone
    select.dataset.items = key;
    const chosen = select.value;
    select.replaceChildren(...(placeholder ? [placeholder] : []), ...items.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }));
    if ([...select.options].some((option) => option.value === chosen)) select.value = chosen;
  }

  function placeholderOption() {
    const option = document.createElement("option");
    option.value = "";
    option.textContent = texts.choose;
    return option;
  }

  function render() {
    const state = snapshot.state;
    const call = snapshot.call;
    const loggedIn = LOGGED_IN.includes(state);

    el.state.dataset.state = state;
    el.stateLabel.textContent = texts.states[state] || state;
    el.stateReason.textContent = state === "not_ready" && snapshot.reason ? snapshot.reason.name : "";
    el.seat.textContent = snapshot.seat ? `${snapshot.seat.code} · ${snapshot.seat.extension}` : "";
    document.title = state === "ringing" ? `● ${texts.ringing_title} · ${pageTitle}` : pageTitle;

    el.loginPanel.hidden = loggedIn;
    el.statusPanel.hidden = !loggedIn;
    el.dialPanel.hidden = !loggedIn;
    el.pending.hidden = !snapshot.pending_not_ready;
    options(el.loginSeat, snapshot.seats.map((seat) => [seat.code, `${seat.code} · ${seat.extension}`]),
      defaultSeatOption);
    options(el.reason, snapshot.reasons.map((reason) => [reason.code, reason.name]), placeholderOption());

    renderCall(call, state);
    renderWrapUp(call, state);
    renderHistory(call);

    for (const button of root.querySelectorAll("button[data-action]")) {
      button.disabled = !allowed(button.dataset.action);
    }
    tick();
  }

  function renderCall(call, state) {
    el.callPanel.dataset.state = call ? state : "";
    el.callPanel.dataset.call = call ? call.id : "";
    el.noCall.hidden = Boolean(call);
    el.callDetails.hidden = !call;
    if (!call) return;
    el.callerNumber.textContent = call.caller;
    el.callerProvince.textContent = call.province;
    el.callQueue.textContent = call.queue || NONE;
    el.callStatus.textContent = texts.call_statuses[call.status] || call.status;
    // Only the controls that fit the moment: answer while ringing, the rest while talking, none after.
    const talking = ON_A_CALL.includes(state);
    el.answer.hidden = state !== "ringing";
    el.hold.hidden = state !== "on_call";
    el.unhold.hidden = state !== "on_hold";
    el.hangup.hidden = !talking;
    el.transfer.hidden = !talking;
    el.talkTime.hidden = !talking;
  }

  function renderWrapUp(call, state) {
    const shown = Boolean(call) && ALLOWED.wrap_up.includes(state);
    el.wrapUpPanel.hidden = !shown;
    if (!shown) return;
    options(el.wrapUpCode, call.wrap_up_codes.map((code) => [code.code, code.name]), placeholderOption());
    if (call.id !== wrapUpCall || !wrapUpEdited) {
      wrapUpCall = call.id;
      wrapUpEdited = false;
      el.wrapUpCode.value = call.wrap_up_code || "";
      el.wrapUpNotes.value = call.notes;
      el.wrapUpFcr.checked = call.resolved_first_contact === true;
    }
    el.wrapUpRequired.hidden = !call.wrap_up_required;
    el.wrapUpDone.textContent = state === "after_call_work" ? texts.wrap_up_done : texts.wrap_up_save;
    el.countdown.hidden = !(state === "after_call_work" && snapshot.after_call_work_until);
  }

  function renderHistory(call) {
    el.historyPanel.hidden = !call;
    const history = call ? call.history : [];
    el.noHistory.hidden = history.length > 0;
    el.history.replaceChildren(...history.map((entry) => {
      const row = document.createElement("tr");
      row.dataset.call = entry.id;
      const cells = [
        new Date(entry.offered_at).toLocaleString(document.documentElement.lang),
        entry.queue || NONE,
        texts.call_statuses[entry.status] || entry.status,
        entry.agent || NONE,
        entry.wrap_up_name || entry.wrap_up_code || NONE,
        entry.notes || "",
      ];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }));
  }

  // --- Clocks ---------------------------------------------------------------------------------------

  const duration = window.formatDuration; // frontend/durations.js

  function secondsSince(iso) {
    return (Date.now() - Date.parse(iso)) / 1000;
  }

  function tick() {
    el.stateTimer.textContent = snapshot.since ? duration(secondsSince(snapshot.since)) : "";
    const call = snapshot.call;
    const talking = call && call.answered_at && ON_A_CALL.includes(snapshot.state);
    el.callTimer.textContent = talking ? duration(secondsSince(call.answered_at)) : NONE;
    if (snapshot.state === "after_call_work" && snapshot.after_call_work_until) {
      const left = -secondsSince(snapshot.after_call_work_until);
      el.countdown.textContent = left > 0 ? duration(left) : texts.time_is_up;
      el.countdown.dataset.over = String(left <= 0);
    }
  }

  // --- Actions --------------------------------------------------------------------------------------

  const FIELDS = {
    login: () => ({ seat: el.loginSeat.value || null }),
    not_ready: () => ({ reason: el.reason.value }),
    transfer: () => ({ mode: el.transferMode.value, [el.transferKind.value]: el.transferTarget.value.trim() }),
    dial_out: () => ({ number: el.dialNumber.value.trim() }),
    wrap_up: () => ({
      code: el.wrapUpCode.value || null,
      notes: el.wrapUpNotes.value,
      resolved_first_contact: el.wrapUpFcr.checked,
    }),
  };

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || button.disabled) return;
    const action = button.dataset.action;
    send(action, FIELDS[action] ? FIELDS[action]() : {});
  });

  for (const field of [el.wrapUpCode, el.wrapUpNotes, el.wrapUpFcr]) {
    for (const kind of ["input", "change"]) field.addEventListener(kind, () => { wrapUpEdited = true; render(); });
  }
  for (const field of [el.reason, el.transferTarget, el.transferKind, el.dialNumber]) {
    for (const kind of ["input", "change"]) field.addEventListener(kind, render);
  }
  // Enter in a number field presses its button.
  for (const [field, button] of [[el.dialNumber, "dial-button"], [el.transferTarget, "transfer-button"]]) {
    field.addEventListener("keydown", (event) => {
      if (event.key === "Enter") $(button).click();
    });
  }

  el.resume.addEventListener("click", () => {
    stopped = false;
    el.ended.hidden = true;
    connect();
  });

  setInterval(tick, 1000);
  render();
  connect();
})();
