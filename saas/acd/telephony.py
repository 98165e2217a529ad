"""Events from the tenant's telephony gateway: the calls as they really happen.

Each event is stored once (by its id) and applied under the ACD lock. A call's live status moves
only forward in event time: an event older than the newest one applied to its call fills in the
history it carries (an answer time, an agent's on-call interval) without rewinding the present.
Events that arrive before their call's offer wait and are applied, in time order, with it.

Besides the calls offered to the ACD, the gateway reports the inbound calls that never reach it
(`call.blocked`: a busy tone; `call.ivr_completed`: the caller finished in the IVR) and the calls
agents dial out (`outbound.*`), so that every call of the center is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from saas.acd import clock, gateway, notify
from saas.acd.callers import caller_province
from saas.acd.changes import (
    call_event,
    change,
    end_reservation,
    finish_after_call_work,
    live_reservation,
    lock,
    release,
    reserve,
    status_of,
    waiting_count,
)
from saas.acd.models import WAITING, AgentState, AgentStateEvent, AgentStatus, Call, CallEvent, CallStatus, Reservation
from saas.acd.overflow import overflow
from saas.acd.routing import route
from saas.acd.states import next_state
from saas.api.errors import Conflict
from saas.numbers.models import NumberRoute
from saas.queues.models import Queue
from saas.queues.selectors import is_open

TYPES = ("call.offered", "call.ringing", "call.answered", "call.held", "call.unheld", "call.transferred",
         "call.ended", "call.abandoned", "call.callback_requested", "call.blocked", "call.ivr_completed",
         "outbound.dialled", "outbound.answered", "outbound.ended", "outbound.failed")


@dataclass(frozen=True)
class GatewayEvent:
    event_id: str
    type: str
    call_id: str
    at: datetime
    data: dict = field(default_factory=dict)  # the type's own fields (caller, extension, hung_up_by…)


@dataclass(frozen=True)
class Receipt:
    """What became of an event: applied, duplicate, pending (its call is not offered yet), late (it
    filled in history), or refused (with a code saying why)."""

    event_id: str
    outcome: str
    code: str = ""


class Refused(Exception):
    """The event cannot apply to its call as it stands: stored, answered with `code`, no change made."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def do_receive_event(*, event: GatewayEvent) -> Receipt:
    with transaction.atomic():
        now = lock()
        if CallEvent.objects.filter(event_id=event.event_id).exists():
            return Receipt(event.event_id, "duplicate")
        row = CallEvent.objects.create(event_id=event.event_id, gateway_call_id=event.call_id, kind=event.type,
                                       at=event.at, data=event.data, applied=False)
        call = Call.objects.select_related("queue").filter(gateway_call_id=event.call_id).first()
        if event.type in OPEN:
            if call is not None:
                outcome, code = _settle(row, refused="call_already_offered")
            elif refused := _cannot_open(event):
                outcome, code = _settle(row, refused=refused)
            else:
                call = OPEN[event.type](event)
                row.agent_id = call.agent_id  # the agent who dialled out (an offered call has nobody yet)
                outcome, code = _settle(row)
                route(at=now)  # events that came first (ringing, answered) find the call where it went
                call.refresh_from_db()  # routing changed the row through another instance
                for waiting in CallEvent.objects.filter(gateway_call_id=event.call_id, applied=False).order_by(
                        "at", "id"):
                    _apply_or_refuse(call, waiting)
        elif call is None:
            return Receipt(event.event_id, "pending")
        else:
            outcome, code = _apply_or_refuse(call, row)
        route(at=now)
    return Receipt(event.event_id, outcome, code)


def _apply_or_refuse(call: Call, row: CallEvent) -> tuple[str, str]:
    try:
        with transaction.atomic():
            return _settle(row, outcome=_apply(call, row))
    except (Refused, Conflict) as refusal:  # Conflict: the agent's state machine said no
        call.refresh_from_db()
        return _settle(row, refused=refusal.code)


def _settle(row: CallEvent, *, outcome: str = "applied", refused: str = "") -> tuple[str, str]:
    if refused:
        row.data = {**row.data, "refused": refused}
    row.applied = True
    row.save(update_fields=["applied", "agent", "data"])
    return ("refused", refused) if refused else (outcome, "")


def _offer(event: GatewayEvent) -> Call:
    data, at = event.data, event.at
    call = Call(gateway_call_id=event.call_id, caller=data["caller"], caller_province=caller_province(data["caller"]),
                access_number=data["access_number"], ivr_selection=data.get("ivr_selection", ""),
                priority=data.get("priority", 0), status=CallStatus.QUEUED, offered_at=at, last_event_at=at)
    number_route = (NumberRoute.objects.select_related("queue", "closed_queue")
                    .filter(number__number=data["access_number"]).first())
    if number_route is None:
        return _turn_away(call, CallStatus.REFUSED, "refuse", reason="number_not_routed")
    # The gateway's IVR may have asked the caller which queue (by its name); else the number's queue.
    queue = (Queue.objects.filter(name=call.ivr_selection, active=True).first() if call.ivr_selection else None) \
        or number_route.queue
    if number_route.follow_queue_hours and not is_open(queue, at):
        if number_route.closed_action != NumberRoute.ClosedAction.QUEUE:
            status = CallStatus.VOICEMAIL if number_route.closed_action == NumberRoute.ClosedAction.VOICEMAIL \
                else CallStatus.CLOSED
            return _turn_away(call, status, "closed", action=number_route.closed_action)
        queue = number_route.closed_queue
    if not queue.active:
        return _turn_away(call, CallStatus.REFUSED, "refuse", reason="queue_inactive")
    call.queue = queue
    call.queued_at = at
    call.save()
    call_event(call, "queued", at=at, queue=queue.name)
    if queue.max_length and waiting_count(queue.pk) > queue.max_length:
        overflow(call, at=at)
    elif queue.max_wait_seconds and queue.overflow_action != Queue.Overflow.NONE:
        clock.schedule("wait", call.pk, at + timedelta(seconds=queue.max_wait_seconds))
    notify.queue_changed()
    return call


def _turn_away(call: Call, status: str, command: str, **fields) -> Call:
    call.status = status
    call.ended_at = call.offered_at
    call.hung_up_by = Call.Side.SYSTEM
    call.save()
    gateway.command(command, call_id=call.gateway_call_id, **fields)
    return call


def _blocked(event: GatewayEvent) -> Call:
    """The gateway gave the caller a busy tone (its lines were full): the call never reached the ACD."""
    data, at = event.data, event.at
    return Call.objects.create(
        gateway_call_id=event.call_id, caller=data["caller"], caller_province=caller_province(data["caller"]),
        access_number=data["access_number"], status=CallStatus.BLOCKED, offered_at=at, ended_at=at,
        hung_up_by=Call.Side.SYSTEM, last_event_at=at)


def _ivr_completed(event: GatewayEvent) -> Call:
    """The caller was served by the gateway's IVR and hung up without asking for an agent. The IVR comes
    before the ACD, so the call was never offered: it reached the center when it entered the IVR."""
    data, at = event.data, event.at
    return Call.objects.create(
        gateway_call_id=event.call_id, caller=data["caller"], caller_province=caller_province(data["caller"]),
        access_number=data["access_number"], ivr_selection=data.get("ivr_selection", ""),
        status=CallStatus.IVR_COMPLETED, offered_at=data.get("entered_at", at), ended_at=at,
        hung_up_by=Call.Side.CALLER, last_event_at=at)


# An agent dialling out is on a call from the dial: the state machine's move from ready to on call
# without a ring (an attended transfer's). Agents who are not ready cannot be moved so yet.
DIAL = "dial"


def _cannot_open(event: GatewayEvent) -> str:
    """Why the event cannot start its call ("" when it can), found before anything is written."""
    if event.type != "outbound.dialled":
        return ""
    try:
        next_state(DIAL, _agent_at(event.data["extension"]).state)
    except (Refused, Conflict) as refusal:
        return refusal.code
    return ""


def _dialled(event: GatewayEvent) -> Call:
    """The gateway dialled out for the agent at the extension (the desktop's `dial_out`, or their phone)."""
    data, at = event.data, event.at
    status = _agent_at(data["extension"])
    call = Call.objects.create(
        gateway_call_id=event.call_id, direction=Call.Direction.OUTBOUND, caller=data["number"],
        caller_province=caller_province(data["number"]), access_number=data.get("access_number", ""),
        status=CallStatus.DIALLING, offered_at=at, agent_id=status.agent_id, last_event_at=at)
    change(status, DIAL, at=at, call=call)
    return call


OPEN = {"call.offered": _offer, "call.blocked": _blocked, "call.ivr_completed": _ivr_completed,
        "outbound.dialled": _dialled}


def _apply(call: Call, row: CallEvent) -> str:
    late = row.at < call.last_event_at
    if late:
        _fill_in(call, row)
        return "late"
    call.last_event_at = row.at
    APPLY[row.kind](call, row)
    call.save()
    return "applied"


def _agent_at(extension: str) -> AgentStatus:
    status = AgentStatus.objects.select_related("session__seat").filter(
        session__seat__extension=extension, session__ended_at__isnull=True).first()
    if status is None:
        raise Refused("no_agent_at_extension")
    return status


def _connected_reservation(call: Call) -> Reservation:
    reservation = live_reservation(call=call)
    if reservation is None or reservation.status != Reservation.Status.CONNECTED:
        raise Refused("call_not_connected")
    return reservation


def _ringing(call: Call, row: CallEvent) -> None:
    reservation = live_reservation(call=call)
    if reservation is None or reservation.status != Reservation.Status.RINGING:
        raise Refused("call_not_ringing")
    row.agent_id = reservation.agent_id


def _answered(call: Call, row: CallEvent) -> None:
    reservation = live_reservation(call=call)
    status = _agent_at(row.data.get("extension", ""))
    if reservation is None or reservation.status != Reservation.Status.RINGING or \
            reservation.agent_id != status.agent_id:
        raise Refused("call_not_ringing_there")
    reservation.status = Reservation.Status.CONNECTED
    reservation.answered_at = row.at
    reservation.save(update_fields=["status", "answered_at"])
    call.status = CallStatus.CONNECTED
    call.answered_at = call.answered_at or row.at
    row.agent_id = status.agent_id
    change(status, "answer", at=row.at, call=call)


def _held(call: Call, row: CallEvent) -> None:
    reservation = _connected_reservation(call)
    reservation.held_at = row.at
    reservation.save(update_fields=["held_at"])
    call.status = CallStatus.ON_HOLD
    change(status_of(reservation.agent_id, row.at), "hold", at=row.at, call=call)


def _unheld(call: Call, row: CallEvent) -> None:
    reservation = _connected_reservation(call)
    if reservation.held_at:
        reservation.hold_seconds += max(0, int((row.at - reservation.held_at).total_seconds()))
        reservation.held_at = None
        reservation.save(update_fields=["hold_seconds", "held_at"])
    call.status = CallStatus.CONNECTED
    change(status_of(reservation.agent_id, row.at), "unhold", at=row.at, call=call)


def _transferred(call: Call, row: CallEvent) -> None:
    """Blind: the call rings at the target agent (or waits in the target queue). Attended: the
    target agent, consulted while ready, has it at once."""
    reservation = _connected_reservation(call)
    data = row.data
    target = None
    if data.get("to_extension"):
        target = _agent_at(data["to_extension"])
        if target.state != AgentState.READY:
            raise Refused("transfer_target_not_ready")
    else:
        queue = Queue.objects.filter(name=data.get("to_queue", ""), active=True).first()
        if queue is None:
            raise Refused("transfer_queue_unknown")
    end_reservation(reservation, at=row.at)
    call.agent = None
    if target is None:
        call.queue, call.status, call.queued_at = queue, CallStatus.QUEUED, row.at
    elif data.get("mode") == "attended":
        Reservation.objects.create(call=call, agent_id=target.agent_id, queue=call.queue,
                                   status=Reservation.Status.CONNECTED, created_at=row.at, expires_at=row.at,
                                   answered_at=row.at)
        call.status, call.agent_id = CallStatus.CONNECTED, target.agent_id
        change(target, "connect", at=row.at, call=call)
    else:
        call.status = CallStatus.QUEUED
        call.save()
        reserve(call, target, at=timezone.now())
    call_event(call, "transferred", at=row.at, agent_id=reservation.agent_id, **data)
    notify.queue_changed()


def _ended(call: Call, row: CallEvent) -> None:
    if call.status in WAITING or call.status == CallStatus.RINGING:
        _abandoned(call, row)
        return
    if call.status not in (CallStatus.CONNECTED, CallStatus.ON_HOLD):
        raise Refused("call_not_live")
    end_reservation(_connected_reservation(call), at=row.at)
    call.status = CallStatus.ENDED
    call.ended_at = row.at
    call.hung_up_by = row.data.get("hung_up_by", Call.Side.CALLER)
    notify.queue_changed()


def _abandoned(call: Call, row: CallEvent) -> None:
    if call.callback_number and call.status in (CallStatus.CALLBACK, CallStatus.RINGING):
        return  # the caller hangs up after asking for a callback: they keep their place, and are called
    if call.status == CallStatus.RINGING:
        reservation = live_reservation(call=call)
        release(reservation, Reservation.Status.CANCELLED, at=row.at)
        change(status_of(reservation.agent_id, row.at), "cancel", at=row.at, call=call)
        call.agent = None  # as `release` left the row, through its own instance of the call
    elif call.status not in WAITING:
        raise Refused("call_not_waiting")
    call.status = CallStatus.ABANDONED
    call.ended_at = row.at
    call.hung_up_by = Call.Side.CALLER
    notify.queue_changed()


def _callback_requested(call: Call, row: CallEvent) -> None:
    if call.status != CallStatus.QUEUED:
        raise Refused("call_not_waiting")
    call.status = CallStatus.CALLBACK
    call.callback_number = row.data.get("number") or call.caller
    notify.queue_changed()


def _dialling(call: Call, row: CallEvent) -> None:
    if call.direction != Call.Direction.OUTBOUND:
        raise Refused("call_not_outbound")
    if call.status != CallStatus.DIALLING:
        raise Refused("call_not_dialling")
    row.agent_id = call.agent_id


def _outbound_answered(call: Call, row: CallEvent) -> None:
    _dialling(call, row)
    call.status = CallStatus.CONNECTED
    call.answered_at = row.at


def _outbound_failed(call: Call, row: CallEvent) -> None:
    """Nobody answered, the line was busy, or the network could not connect it."""
    _dialling(call, row)
    _hang_up_outbound(call, row, status=row.data["reason"], side=Call.Side.SYSTEM)


def _outbound_ended(call: Call, row: CallEvent) -> None:
    """Over after it connected. From dialling too: the answer it implies may still be on its way."""
    if call.direction != Call.Direction.OUTBOUND:
        raise Refused("call_not_outbound")
    if call.status not in (CallStatus.DIALLING, CallStatus.CONNECTED):
        raise Refused("call_not_live")
    row.agent_id = call.agent_id
    _hang_up_outbound(call, row, status=CallStatus.ENDED, side=row.data.get("hung_up_by", ""))


def _hang_up_outbound(call: Call, row: CallEvent, *, status: str, side: str) -> None:
    """The agent's call is over: no queue, so no after-call work. Back to where the agent dialled from:
    not ready (with that reason) or ready; not ready if a supervisor asked meanwhile."""
    call.status, call.ended_at, call.hung_up_by = status, row.at, side
    agent = status_of(call.agent_id, row.at)
    change(agent, "end", at=row.at, call=call)
    before = _state_before_dial(call)
    if before is not None and before.state == AgentState.NOT_READY and agent.pending_reason_id is None:
        change(agent, "not_ready", at=row.at, reason=before.reason)
    else:
        finish_after_call_work(agent, at=row.at)


def _state_before_dial(call: Call) -> AgentStateEvent | None:
    dialled = AgentStateEvent.objects.filter(call=call, state=AgentState.ON_CALL).order_by("id").first()
    if dialled is None:
        return None
    return (AgentStateEvent.objects.select_related("reason").filter(agent_id=call.agent_id, id__lt=dialled.pk)
            .order_by("-id").first())


APPLY = {
    "call.ringing": _ringing, "call.answered": _answered, "call.held": _held, "call.unheld": _unheld,
    "call.transferred": _transferred, "call.ended": _ended, "call.abandoned": _abandoned,
    "call.callback_requested": _callback_requested,
    "outbound.answered": _outbound_answered, "outbound.ended": _outbound_ended, "outbound.failed": _outbound_failed,
}


def _fill_in(call: Call, row: CallEvent) -> None:
    """An event older than its call's present: keep the times it tells, change nothing live."""
    if row.kind == "call.answered":
        reservation = (Reservation.objects.filter(call=call, answered_at__isnull=False).order_by("created_at").first()
                       or Reservation.objects.filter(call=call).order_by("-created_at").first())
        if call.answered_at is None or row.at < call.answered_at:
            call.answered_at = row.at
            call.save(update_fields=["answered_at"])
        if reservation:
            if reservation.answered_at is None or row.at < reservation.answered_at:
                Reservation.objects.filter(pk=reservation.pk).update(answered_at=row.at)
            AgentStateEvent.objects.create(agent_id=reservation.agent_id, state=AgentState.ON_CALL, at=row.at,
                                           call=call, actor="gateway (late event)")
    elif row.kind == "outbound.answered" and call.direction == Call.Direction.OUTBOUND and \
            call.status == CallStatus.ENDED and (call.answered_at is None or row.at < call.answered_at):
        call.answered_at = row.at  # it ended before its answer arrived
        call.save(update_fields=["answered_at"])
    elif row.kind in ("call.ended", "call.abandoned", "outbound.ended", "outbound.failed") and (
            call.ended_at is None or row.at < call.ended_at):
        call.ended_at = row.at
        call.save(update_fields=["ended_at"])
