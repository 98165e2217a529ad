"""Simulated agents: each one is a browser on the agent desktop websocket (`/ws/agent/desktop/`),
signed in with a session of its own user, doing what a person at the desktop does: log into a seat,
get ready, wrap up after each call (with one of the queue's codes), now and then take a break, and
while ready now and then dial a customer out. Answering is the phone's part: the simulated gateway
answers for them after the answer delay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from typing import TYPE_CHECKING

from saas.acd.simulator.distributions import Behaviour
from saas.acd.simulator.links import Link
from saas.acd.simulator.stats import Stats

if TYPE_CHECKING:
    from saas.acd.simulator.gateway import SimulatedGateway

logger = logging.getLogger(__name__)

PATH = "/ws/agent/desktop/"
MISSED = "missed"  # the not-ready reason the ACD gives for a ring that timed out (saas.acd.services)
BACK_AFTER = (0.5, 2.0)  # seconds before getting ready again after a login or a missed call
RESOLVED_FIRST_CONTACT = 0.75
LOGIN_ATTEMPTS = 3
WRAP_UP_EARLY_SECONDS = 0.2
IN_SERVICE = ("ready", "ringing", "on_call", "on_hold", "after_call_work")


class SimulatedAgent:
    def __init__(self, *, username: str, session_key: str, cookie_name: str, host: str, address: tuple[str, int],
                 behaviour: Behaviour, rng: random.Random, gateway: SimulatedGateway, stats: Stats,
                 customers: list[str]):
        self.username = username
        self.customers = customers  # the numbers they dial out to
        self.behaviour, self.rng, self.gateway, self.stats = behaviour, rng, gateway, stats
        self.link = Link(host=host, address=address, path=PATH, headers={"Cookie": f"{cookie_name}={session_key}"},
                         on_message=self._received, name=f"desktop of {username}")
        self.state = "connecting"
        self.extension = ""
        self.ready = asyncio.Event()  # set once logged in and ready, or once it gave up trying
        self.gave_up = ""  # why it could not log in
        self._key: tuple | None = None  # (state, since) of the last state acted on
        self._timer: asyncio.Task | None = None
        self._break: float | None = None  # a break planned after the call in hand
        self._wrapped_up_early = False
        self._planned_for = ""  # the call whose break (or none) is decided
        self._last_call: dict | None = None  # the call of the last state that had one
        self._seats: list[str] = []  # free seats, while logged out
        self._logins = 0
        self._stopping = False
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.link.run())
        self._task.add_done_callback(self._link_over)

    def _link_over(self, task: asyncio.Task) -> None:
        if self.link.closed_for_good and not self.ready.is_set():
            self.gave_up = f"the desktop refused the session ({self.link.closed_for_good})"
            self.ready.set()

    async def request(self, action: str, **fields) -> None:
        await self.link.send({"action": action, **fields})

    async def stop(self, timeout: float = 10) -> None:
        """Log out (recording a wrap-up still due first) and close the desktop."""
        self._stopping = True
        self._cancel_timer()
        deadline = time.monotonic() + timeout
        if self.link.open.is_set() and self.state not in ("logged_out", "connecting"):
            # The calls are over: the after-call work of the last one is on its way to this desktop.
            while self.state in ("ringing", "on_call", "on_hold") and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            if self.state == "after_call_work" and self._last_call:
                await self.request("wrap_up", **self._wrap_up_fields(self._last_call))
            await self.request("logout")
            deadline = time.monotonic() + timeout
            while self.state != "logged_out" and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        await self.link.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout)

    # --- what the desktop shows ------------------------------------------------------------------------

    def _received(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "state":
            self._state(message)
        elif kind == "error":
            self._error(message)
        elif kind == "session_ended":
            self._moved_to("logged_out")

    def _error(self, message: dict) -> None:
        action, code = message.get("action", ""), message.get("code", "")
        self.stats.errors[f"desktop {action}: {code}"] += 1
        if action == "login" and not self.ready.is_set():
            if self._logins >= LOGIN_ATTEMPTS:
                self.gave_up = code
                self.ready.set()
            else:
                self._later(self.rng.uniform(*BACK_AFTER), self._log_in)

    def _state(self, message: dict) -> None:
        state, call, seat = message["state"], message.get("call"), message.get("seat")
        self._seat_at((seat or {}).get("extension", "") if state != "logged_out" else "")
        self._seats = [free["code"] for free in message.get("seats") or []]
        if state == "ringing" and call:
            self._rings(call["id"])
        if call:
            self._last_call = call
        key = (state, message.get("since"))
        if key == self._key:
            return
        self._key = key
        self._moved_to(state, message)

    def _moved_to(self, state: str, message: dict | None = None) -> None:
        self.state = state
        self._cancel_timer()
        if state in IN_SERVICE:
            self.ready.set()  # a call may ring in the very change that made them ready
        if self._stopping:
            return
        reason = ((message or {}).get("reason") or {}).get("code")
        if state == "logged_out":
            self._seat_at("")
            if not self.ready.is_set():
                self._log_in()
        elif state == "ready":
            idle = self.behaviour.dial_out_after(self.rng)
            if idle is not None:
                self._later(idle, self.request, "dial_out", number=self.rng.choice(self.customers))
        elif state == "not_ready":
            self._later(self._not_ready_for(reason), self.request, "ready")
        elif state == "on_call" and message.get("call") and message["call"]["id"] != self._planned_for:
            self._planned_for = message["call"]["id"]
            self._break = self.behaviour.takes_break(self.rng)
            self._wrapped_up_early = False
            if self._break is not None:
                # Off on a break after this call: fill in the wrap-up while still talking (in after-call
                # work a wrap-up would make them ready).
                self._later(WRAP_UP_EARLY_SECONDS, self._wrap_up_early, message["call"])
        elif state == "after_call_work":
            if self._break is not None and self._wrapped_up_early and message.get("reasons"):
                reason = self.rng.choice(message["reasons"])["code"]
                self._later(self.behaviour.after_call_work(self.rng), self.request, "not_ready", reason=reason)
            else:
                self._break = None
                fields = self._wrap_up_fields(message["call"]) if message.get("call") else {}
                self._later(self.behaviour.after_call_work(self.rng), self.request, "wrap_up", **fields)

    async def _wrap_up_early(self, call: dict) -> None:
        self._wrapped_up_early = True
        await self.request("wrap_up", **self._wrap_up_fields(call))

    def _not_ready_for(self, reason: str | None) -> float:
        if reason is None or reason == MISSED:
            return self.rng.uniform(*BACK_AFTER)
        planned, self._break = self._break, None
        # Their own planned break, or one a supervisor imposed (of a break's usual length).
        return planned if planned is not None else self.behaviour.break_length(self.rng)

    def _wrap_up_fields(self, call: dict) -> dict:
        codes = call.get("wrap_up_codes") or []
        fields = {"resolved_first_contact": self.rng.random() < RESOLVED_FIRST_CONTACT}
        if codes:
            fields["code"] = self.rng.choice(codes)["code"]
        return fields

    def _log_in(self) -> None:
        self._logins += 1
        # The product picks a free seat; after a clash, take one of the free seats the desktop lists.
        seat = self.rng.choice(self._seats) if self._logins > 1 and self._seats else None
        asyncio.get_running_loop().create_task(self.request("login", seat=seat))

    def _rings(self, call_id: str) -> None:
        call = self.gateway.calls.get(call_id)
        if call is not None and not call.seen_ringing:
            call.seen_ringing = True
            self.stats.to_browser.append(time.monotonic() - call.offered_at)

    def _seat_at(self, extension: str) -> None:
        if extension == self.extension:
            return
        if self.gateway.agents.get(self.extension) is self:
            del self.gateway.agents[self.extension]
        self.extension = extension
        if extension:
            self.gateway.agents[extension] = self

    # --- timers ----------------------------------------------------------------------------------------

    def _later(self, seconds: float, action, *args, **fields) -> None:
        self._cancel_timer()

        async def act():
            await asyncio.sleep(seconds)
            outcome = action(*args, **fields)
            if asyncio.iscoroutine(outcome):
                await outcome

        self._timer = asyncio.get_running_loop().create_task(act())

    def _cancel_timer(self) -> None:
        if self._timer is not None and not self._timer.done() and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None
