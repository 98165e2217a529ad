"""The simulated telephony gateway, and the callers behind it.

It connects to the product as the tenant's gateway does (`/ws/telephony/gateway/` with its key),
offers calls, and obeys the product's commands: a routed call rings at the extension, is answered
(by a simulated agent after the answer delay, or when a person's desktop asks for it), talks,
maybe waits on hold, and ends; a caller whose patience runs out while waiting or ringing hangs up.
Each call is one coroutine (`_script`) going through its phases: waiting, ringing, talking. Some
callers never reach the ACD (a busy tone, or served by the IVR), and an agent's `dial_out` becomes
an outbound call (`_outbound`) that connects or fails.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING

from saas.acd.simulator.distributions import Behaviour
from saas.acd.simulator.links import Link
from saas.acd.simulator.stats import Stats

if TYPE_CHECKING:
    from saas.acd.simulator.agents import SimulatedAgent

logger = logging.getLogger(__name__)

PATH = "/ws/telephony/gateway/"
RECEIPT_SECONDS = 30.0  # a receipt the simulator waits for longer than this is counted lost
AGENT_ACTION_SECONDS = 5.0  # a simulated agent's hold or hang-up that the product does not relay in time
TURNED_AWAY = ("voicemail", "closed", "refuse")
SETTLE_SECONDS = 600.0  # at the end, how long the product may take to answer every event sent
PING_SECONDS = 20.0  # the product takes a gateway silent for a minute as gone (saas.acd.gateway)
STOP = {"type": "_stop"}  # put in a call's inbox when the simulation ends
CALL_PREFIX = "sim-"  # every simulated call's id starts so: sim-<run>-<number>


@dataclass(eq=False)
class SimulatedCall:
    id: str
    caller: str
    access_number: str
    queue: str
    link: Link
    offered_at: float = 0.0  # time.monotonic() when call.offered was sent
    patience_until: float = math.inf
    inbox: asyncio.Queue = field(default_factory=asyncio.Queue)
    phase: str = "offering"  # waiting, ringing, talking; then the outcome
    extension: str = ""  # where it rings or talks
    assigned: str = ""  # the extension the product gave it (for the double-assignment check)
    callback: bool = False  # the caller accepted a callback and hung up: no more patience
    routed: bool = False
    answered: bool = False
    seen_ringing: bool = False  # a desktop showed it ringing (the event-to-browser latency is taken)
    events: itertools.count = field(default_factory=lambda: itertools.count(1))
    event_prefix: str = ""  # tells this run's events of an earlier run's call from that run's own


class SimulatedGateway:
    accepting_dial_outs = True  # until the run winds down: then no new call starts

    def __init__(self, *, host: str, address: tuple[str, int], key: str, behaviour: Behaviour, rng: random.Random,
                 stats: Stats, connections: int = 1, tag: str = ""):
        self.behaviour, self.rng, self.stats = behaviour, rng, stats
        self.tag = tag or f"{int(time.time()):x}"
        self.links = [Link(host=host, address=address, path=PATH, headers={"Authorization": f"Gateway {key}"},
                           on_message=self._received, name=f"gateway link {number}")
                      for number in range(max(1, connections))]
        self.calls: dict[str, SimulatedCall] = {}
        self.agents: dict[str, SimulatedAgent] = {}  # extension → the simulated agent logged in there
        self.busy: dict[str, str] = {}  # extension → the call ringing or talking there
        self.outbound: dict[str, SimulatedCall] = {}  # extension → the call its agent dialled
        self._receipts: dict[str, asyncio.Future] = {}
        self._commands_seen: dict[str, None] = {}  # every link hears every command: act on each once
        self._sequence = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self._scripts: set[asyncio.Task] = set()

    # --- connection ------------------------------------------------------------------------------------

    async def start(self, timeout: float = 30) -> None:
        for link in self.links:
            self._spawn(link.run(), self._tasks)
        self._spawn(self._keep_alive(), self._tasks)
        await asyncio.wait_for(asyncio.gather(*(link.open.wait() for link in self.links)), timeout)
        refused = [link.closed_for_good for link in self.links if link.closed_for_good]
        if refused:
            raise ConnectionRefusedError(f"the product refused the simulated gateway (close code {refused[0]})")

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(PING_SECONDS)
            for link in self.links:
                if link.open.is_set() and link.socket is not None:
                    await link.send({"type": "ping"})

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for link in self.links:
            await link.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, coroutine, into: set) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine)
        into.add(task)
        task.add_done_callback(into.discard)
        return task

    # --- calls -----------------------------------------------------------------------------------------

    def offer(self, *, queue: str, access_number: str, caller: str) -> SimulatedCall:
        sequence = next(self._sequence)
        call = SimulatedCall(id=f"{CALL_PREFIX}{self.tag}-{sequence}", caller=caller, access_number=access_number,
                             queue=queue, link=self.links[sequence % len(self.links)])
        self.calls[call.id] = call
        self._spawn(self._script(call), self._scripts)
        return call

    def dial_out(self, *, extension: str, number: str) -> SimulatedCall:
        """Dial `number` for the agent at `extension`, as the product's `dial_out` command asks."""
        sequence = next(self._sequence)
        call = SimulatedCall(id=f"{CALL_PREFIX}{self.tag}-out-{sequence}", caller=number, access_number="",
                             queue="", link=self.links[sequence % len(self.links)], extension=extension)
        self.calls[call.id] = call
        self.outbound[extension] = call
        self._spawn(self._outbound(call), self._scripts)
        return call

    async def hang_up_orphans(self, orphans: list[tuple[str, str, str]]) -> None:
        """Calls an earlier run left in the product (it was killed): end them, as a gateway that restarts
        reports the calls it no longer has. `orphans` are (call id, status, direction in the product)."""
        for call_id, status, direction in orphans:
            call = SimulatedCall(id=call_id, caller="", access_number="", queue="", link=self.links[0],
                                 event_prefix=f"restart-{self.tag}-")
            if direction == "outbound":
                kind, fields = ("outbound.failed", {"reason": "failed"}) if status == "dialling" else (
                    "outbound.ended", {"hung_up_by": "system"})
            elif status in ("queued", "callback", "ringing"):
                kind, fields = "call.abandoned", {}
            else:
                kind, fields = "call.ended", {"hung_up_by": "caller"}
            await self._send(call, kind, wait=True, **fields)

    def live(self) -> dict[str, int]:
        counts = {"waiting": 0, "ringing": 0, "talking": 0}
        for call in self.calls.values():
            if call.phase in counts:
                counts[call.phase] += 1
        return counts

    async def finish(self, timeout: float) -> int:
        """Wait up to `timeout` for the calls in progress to end by themselves; then the callers still
        waiting hang up and those talking end their calls. Returns how many had to be ended so. No call
        out starts meanwhile."""
        self.accepting_dial_outs = False
        if self._scripts:
            await asyncio.wait(set(self._scripts), timeout=timeout)
        unfinished = list(self.calls.values())
        for call in unfinished:
            call.inbox.put_nowait(STOP)
        if self._scripts:
            await asyncio.wait(set(self._scripts), timeout=RECEIPT_SECONDS)
        # Behind on its work, the product has events still to apply: what it says afterwards must be final.
        deadline = time.monotonic() + SETTLE_SECONDS
        while self._receipts and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        self.stats.counts["events_without_receipt"] = len(self._receipts)
        return len(unfinished)

    async def _send(self, call: SimulatedCall, kind: str, *, wait: bool = False, **fields) -> str:
        """Send a telephony event of `call`; with `wait`, answer its receipt's outcome."""
        event_id = f"{call.id}.{call.event_prefix}{next(call.events)}"
        receipt = asyncio.get_running_loop().create_future()
        self._receipts[event_id] = receipt
        await call.link.send({"event_id": event_id, "type": kind, "call_id": call.id,
                              "at": datetime.now(UTC).isoformat(), **fields})
        if not wait:
            return ""
        try:
            return await asyncio.wait_for(asyncio.shield(receipt), RECEIPT_SECONDS)
        except TimeoutError:
            self.stats.errors["receipt_missing"] += 1
            return "missing"

    async def _next(self, call: SimulatedCall, until: float) -> dict | None:
        """The next command for `call`, or None when `until` (monotonic) comes first."""
        timeout = until - time.monotonic()
        if timeout == math.inf:
            return await call.inbox.get()
        if timeout <= 0:
            return call.inbox.get_nowait() if not call.inbox.empty() else None
        try:
            return await asyncio.wait_for(call.inbox.get(), timeout)
        except TimeoutError:
            return None

    async def _script(self, call: SimulatedCall) -> None:
        try:
            if self.behaviour.blocks(self.rng):
                await self._blocked(call)
                return
            if self.behaviour.ends_in_ivr(self.rng):
                await self._in_ivr(call)
                return
            call.patience_until = time.monotonic() + self.behaviour.patience(self.rng)
            call.offered_at = time.monotonic()
            self.stats.add("offered")
            outcome = await self._send(call, "call.offered", wait=True, caller=call.caller,
                                       access_number=call.access_number)
            if outcome not in ("applied", "missing"):  # a receipt late under load: the call may still come
                self.stats.add("offer_not_applied")
                call.phase = f"offer {outcome}"
                return
            phase = self._waiting
            while phase is not None:
                phase = await phase(call)
        except Exception:
            logger.exception("simulated call %s failed", call.id)
            self.stats.errors["simulator_error"] += 1
        finally:
            self._leave(call)
            self.calls.pop(call.id, None)

    async def _blocked(self, call: SimulatedCall) -> None:
        """The gateway's lines are full: the caller hears a busy tone, and the product is told."""
        call.phase = "blocked"
        self.stats.add("blocked")
        await self._send(call, "call.blocked", caller=call.caller, access_number=call.access_number)

    async def _in_ivr(self, call: SimulatedCall) -> None:
        """The caller is served by the IVR and hangs up there; the product hears of it at the end."""
        call.phase = "in IVR"
        entered_at = datetime.now(UTC)
        await self._next(call, time.monotonic() + self.behaviour.in_ivr(self.rng))  # or the run ends first
        self.stats.add("ivr_completed")
        await self._send(call, "call.ivr_completed", caller=call.caller, access_number=call.access_number,
                         entered_at=entered_at.isoformat())

    async def _end(self, call: SimulatedCall, outcome: str, **fields) -> None:
        """The caller's side ends the call: abandoned while waiting or ringing, else hung up."""
        self._leave(call)
        if outcome == "abandoned":
            await self._send(call, "call.abandoned")
        else:
            await self._send(call, "call.ended", hung_up_by=fields.get("hung_up_by", "caller"))
        call.phase = outcome
        self.stats.add(outcome)

    async def _waiting(self, call: SimulatedCall):
        call.phase = "waiting"
        command = await self._next(call, math.inf if call.callback else call.patience_until)
        kind = command["type"] if command else "patience"
        if kind in ("patience", STOP["type"]):
            if call.callback:
                call.phase = "callback pending"
                return None
            await self._end(call, "abandoned")
            return None
        if kind in ("route", "callback"):
            if not call.routed:
                call.routed = True
                self.stats.routing.append(time.monotonic() - call.offered_at)
            return await self._ring(call, command["extension"])
        if kind == "offer_callback":
            return await self._callback_offered(call)
        if kind in TURNED_AWAY:
            call.phase = kind
            self.stats.add(kind)
            return None
        return self._waiting  # "queue" (it overflowed into another queue), a stale cancel_ring

    async def _callback_offered(self, call: SimulatedCall):
        if self.rng.random() >= self.behaviour.callback_probability:
            return self._waiting
        if await self._send(call, "call.callback_requested", wait=True) == "applied":
            call.callback = True
            self.stats.add("callback_requested")
            # The caller hangs up and waits to be called back; the product keeps their place.
            await self._send(call, "call.ended", hung_up_by="caller")
        return self._waiting

    async def _ring(self, call: SimulatedCall, extension: str):
        call.extension = extension
        await asyncio.sleep(self.behaviour.ring_delay)
        await self._send(call, "call.ringing", extension=extension)
        return self._ringing

    async def _ringing(self, call: SimulatedCall):
        call.phase = "ringing"
        simulated = call.extension in self.agents
        answer_at = time.monotonic() + self.behaviour.answer_delay(self.rng) if simulated else math.inf
        patience = math.inf if call.callback else call.patience_until
        while True:
            command = await self._next(call, min(answer_at, patience))
            # On a timeout, whichever was due first (a timer may fire a little early: compare deadlines).
            kind = command["type"] if command else ("answer" if answer_at <= patience else "patience")
            if kind == "answer" and (command is None or command.get("extension", call.extension) == call.extension):
                return await self._answer(call)
            if kind in ("patience", STOP["type"]):
                await self._end(call, "abandoned")
                return None
            if kind == "cancel_ring" and command.get("extension") == call.extension:
                call.extension = ""
                return self._waiting
            if kind in ("route", "callback"):
                return await self._ring(call, command["extension"])  # counted as a double assignment
            if kind in TURNED_AWAY:
                call.phase = kind
                self.stats.add(kind)
                return None

    async def _answer(self, call: SimulatedCall):
        outcome = await self._send(call, "call.answered", wait=True, extension=call.extension)
        if outcome not in ("applied", "missing"):
            return self._waiting  # the ring was taken back meanwhile; its cancel_ring is on its way or here
        if not call.answered:
            call.answered = True
            self.stats.add("answered")
        return self._talking

    async def _talking(self, call: SimulatedCall):
        """Talk for the drawn time, not counting holds. A simulated agent may hold once and may be the one
        who hangs up: they ask through their desktop, as a person would, and the product's command does it.
        Should the product not relay it in time, the gateway does it (as the agent's phone would)."""
        call.phase = "talking"
        behaviour, rng = self.behaviour, self.rng
        agent = self.agents.get(call.extension)
        talk = behaviour.talk(rng)
        hold_for = behaviour.hold(rng) if agent else None
        hold_after = rng.uniform(0, talk) if hold_for is not None else None
        agent_hangs_up = agent is not None and rng.random() < behaviour.agent_hangup_probability
        spoken, resumed_at, held_at = 0.0, time.monotonic(), 0.0
        asked: dict[str, float] = {}  # what the agent was asked to do → when

        while True:
            timers = {f"{action} by gateway": at + AGENT_ACTION_SECONDS for action, at in asked.items()}
            if resumed_at is not None:
                if "hangup" not in asked:
                    timers["end"] = resumed_at + talk - spoken
                if hold_after is not None and "hold" not in asked:
                    timers["hold"] = resumed_at + hold_after - spoken
            elif hold_for is not None and "unhold" not in asked:
                timers["unhold"] = held_at + hold_for
            action, until = min(timers.items(), key=itemgetter(1), default=(None, math.inf))
            command = await self._next(call, until)
            now = time.monotonic()
            if command is None:
                if action == "end" and not agent_hangs_up:
                    await self._end(call, "ended", hung_up_by="caller")
                    return None
                if action in ("end", "hold", "unhold"):
                    name = "hangup" if action == "end" else action
                    asked[name] = now
                    await agent.request(name)
                elif action == "hangup by gateway":
                    await self._end(call, "ended", hung_up_by="agent")
                    return None
                elif action == "hold by gateway":
                    del asked["hold"]
                    hold_after = hold_for = None
                elif action == "unhold by gateway":
                    del asked["unhold"]
                    hold_for, resumed_at = None, now
                    await self._send(call, "call.unheld", extension=call.extension)
                continue
            kind = command["type"]
            if kind == STOP["type"]:
                await self._end(call, "ended", hung_up_by="caller")
                return None
            if command.get("extension", call.extension) != call.extension:
                continue
            if kind == "hold" and resumed_at is not None:
                spoken += now - resumed_at
                resumed_at, held_at, hold_after = None, now, None
                asked.pop("hold", None)
                await self._send(call, "call.held", extension=call.extension)
            elif kind == "unhold" and resumed_at is None:
                resumed_at, hold_for = now, None
                asked.pop("unhold", None)
                await self._send(call, "call.unheld", extension=call.extension)
            elif kind == "hangup":
                await self._end(call, "ended", hung_up_by="agent")
                return None
            elif kind == "transfer":
                return await self._transfer(call, command)

    async def _transfer(self, call: SimulatedCall, command: dict):
        target = {key: command[key] for key in ("to_extension", "to_queue") if command.get(key)}
        mode = command.get("mode", "blind")
        extension = call.extension
        self._leave(call)  # before sending: the product may route it on before its receipt arrives
        if await self._send(call, "call.transferred", wait=True, mode=mode, **target) != "applied":
            self._assign(call, extension)
            return self._talking
        if mode == "attended" and "to_extension" in target:
            self._assign(call, target["to_extension"])
            call.extension = target["to_extension"]
            return self._talking
        call.patience_until = time.monotonic() + self.behaviour.patience(self.rng)
        return self._waiting

    async def _outbound(self, call: SimulatedCall) -> None:
        """An agent's call out: it rings at the called party, who answers or not; then they talk until
        the agent hangs up (from the desktop, or at the end of a simulated agent's talk) or the called
        party does."""
        try:
            outcome = await self._send(call, "outbound.dialled", wait=True, extension=call.extension,
                                       number=call.caller)
            if outcome not in ("applied", "missing"):  # a caller's ring reached the agent first
                call.phase = f"dial {outcome}"
                self.stats.add("dial_out_refused")
                return
            self._assign(call, call.extension)
            self.stats.add("dialled")
            call.phase = "dialling"
            answer = self.behaviour.outbound_outcome(self.rng)
            if await self._hung_up(call, self.behaviour.outbound_ring(self.rng)) or answer != "answered":
                reason = "no_answer" if answer == "answered" else answer  # the agent gave up first
                await self._send(call, "outbound.failed", reason=reason)
                call.phase = reason
                self.stats.add(f"outbound {reason}")
                return
            await self._send(call, "outbound.answered")
            call.phase = "talking"
            self.stats.add("outbound connected")
            side = await self._hung_up(call, self.behaviour.talk(self.rng)) or (
                "agent" if call.extension in self.agents and self.rng.random()
                < self.behaviour.agent_hangup_probability else "caller")
            await self._send(call, "outbound.ended", hung_up_by=side)
            call.phase = "ended"
        except Exception:
            logger.exception("simulated outbound call %s failed", call.id)
            self.stats.errors["simulator_error"] += 1
        finally:
            self._leave(call)
            self.calls.pop(call.id, None)
            if self.outbound.get(call.extension) is call:
                del self.outbound[call.extension]

    async def _hung_up(self, call: SimulatedCall, seconds: float) -> str:
        """Wait `seconds` for the agent to hang up (the desktop's `hangup`) or the run to end: who hung up
        ("agent", "caller" for the called party at the end of the run), or "" when the time ran out."""
        until = time.monotonic() + seconds
        while (command := await self._next(call, until)) is not None:
            if command["type"] == "hangup":
                return "agent"
            if command["type"] == STOP["type"]:
                return "caller"
        return ""

    # --- what the product says -------------------------------------------------------------------------

    def _received(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "receipt":
            receipt = self._receipts.pop(message.get("event_id"), None)
            if message.get("outcome") == "refused":
                self.stats.errors[message.get("code") or "refused"] += 1
            if receipt is not None and not receipt.done():
                receipt.set_result(message.get("outcome"))
        elif kind == "error":
            self.stats.errors[message.get("code") or "error"] += 1
            logger.warning("the product could not take an event: %s", message)
            receipt = self._receipts.pop(message.get("event_id"), None)
            if receipt is not None and not receipt.done():
                receipt.set_result("error")
        elif kind != "pong" and message.get("id"):
            self._command(message)

    def _command(self, command: dict) -> None:
        if command["id"] in self._commands_seen:
            return
        self._commands_seen[command["id"]] = None
        if len(self._commands_seen) > 100_000:
            for old in list(itertools.islice(self._commands_seen, 50_000)):
                del self._commands_seen[old]
        kind = command["type"]
        if kind == "dial_out":
            if self.accepting_dial_outs:
                self.dial_out(extension=command["extension"], number=command["number"])
            return
        # An agent's command during an outbound call names no call: the agent's extension tells it.
        call = self.calls.get(command["call_id"]) if "call_id" in command else self.outbound.get(
            command.get("extension", ""))
        if call is None:
            return  # not a call of this simulator (another gateway's call), or over
        if kind in ("route", "callback"):
            self._assign(call, command["extension"])
        elif kind == "cancel_ring" and command.get("extension") == call.assigned:
            self._leave(call)
        call.inbox.put_nowait(command)

    def _assign(self, call: SimulatedCall, extension: str) -> None:
        """The call is now at `extension`; the product promised that neither is busy elsewhere."""
        holder = self.busy.get(extension)
        if holder is not None and holder != call.id:
            self.stats.double_assignments.append(f"{extension} was given {call.id} while holding {holder}")
        if call.assigned and call.assigned != extension:
            self.stats.double_assignments.append(f"{call.id} was given to {extension} while at {call.assigned}")
            self._leave(call)
        self.busy[extension] = call.id
        call.assigned = extension

    def _leave(self, call: SimulatedCall) -> None:
        if call.assigned and self.busy.get(call.assigned) == call.id:
            del self.busy[call.assigned]
        call.assigned = ""
