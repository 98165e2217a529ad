"""The ACD's building blocks, used inside a service's transaction after `lock()`.

All ACD writes of one tenant run one at a time under a transaction-level advisory lock: a routing
decision always sees every committed change, and no lock-order deadlock between call rows and
agent rows can arise. The unique indexes on `Reservation` stand behind it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from saas.acd import clock, gateway, notify
from saas.acd.models import AgentState, AgentStateEvent, AgentStatus, Call, CallEvent, CallStatus, Reservation
from saas.acd.states import next_state
from saas.agents.models import Agent, ReasonCode


def lock() -> datetime:
    """Serialise this tenant's ACD writes until the transaction ends (re-entrant). Returns the time
    to stamp the writer's changes with: read after the lock, so the times of the tenant's changes
    follow the order they were made in."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"acd:{connection.schema_name}"])
    return timezone.now()


def status_of(agent: Agent | int, at: datetime) -> AgentStatus:
    agent_id = getattr(agent, "pk", agent)
    status = AgentStatus.objects.select_related("session", "session__seat").filter(agent_id=agent_id).first()
    return status or AgentStatus.objects.create(agent_id=agent_id, since=at)


def change(status: AgentStatus, action: str, *, at: datetime, actor: str = "", reason: ReasonCode | None = None,
           call: Call | None = None, to: str | None = None) -> AgentStatus:
    """Move an agent by the state machine (or refuse), and write the event."""
    target = next_state(action, status.state)
    target = to or target
    session_id = status.session_id
    status.state = target
    status.since = at
    status.reason = reason if target == AgentState.NOT_READY else None
    if target == AgentState.READY:
        status.ready_since = at
    if target != AgentState.AFTER_CALL_WORK:
        status.after_call_work_until = None
    if target in (AgentState.NOT_READY, AgentState.LOGGED_OUT):
        status.pending_reason = None  # a supervisor's pending not-ready is met (or moot)
    if target == AgentState.LOGGED_OUT:
        status.session = None
    status.save()
    AgentStateEvent.objects.create(agent_id=status.agent_id, state=target, reason=status.reason, at=at,
                                   session_id=session_id, call=call, actor=actor)
    notify.agent_changed(status.agent_id)
    return status


def call_event(call: Call | str, kind: str, *, at: datetime, agent_id: int | None = None, **data) -> None:
    """A call event the ACD itself decided (the gateway's own arrive through `telephony`)."""
    call_id = call if isinstance(call, str) else call.gateway_call_id
    CallEvent.objects.create(gateway_call_id=call_id, kind=kind, at=at, agent_id=agent_id, data=data)


def extension_of(agent_id: int) -> str:
    status = AgentStatus.objects.select_related("session__seat").get(agent_id=agent_id)
    return status.session.seat.extension if status.session else ""


def reserve(call: Call, status: AgentStatus, *, at: datetime) -> Reservation:
    """Ring `call` at a ready agent, for the queue's ring time."""
    ring = timedelta(seconds=call.queue.ring_seconds)
    reservation = Reservation.objects.create(call=call, agent_id=status.agent_id, queue=call.queue, created_at=at,
                                             expires_at=at + ring)
    status.last_offered_at = at
    change(status, "offer", at=at, call=call)
    call.status = CallStatus.RINGING
    call.agent_id = status.agent_id
    call.save(update_fields=["status", "agent"])
    call_event(call, "reserved", at=at, agent_id=status.agent_id, queue=call.queue.name)
    extension = status.session.seat.extension
    if call.callback_number:
        gateway.command("callback", call_id=call.gateway_call_id, number=call.callback_number, extension=extension,
                        ring_seconds=call.queue.ring_seconds)
    else:
        gateway.command("route", call_id=call.gateway_call_id, extension=extension,
                        ring_seconds=call.queue.ring_seconds)
    clock.schedule("ring", reservation.pk, reservation.expires_at)
    notify.queue_changed()
    return reservation


def release(reservation: Reservation, outcome: str, *, at: datetime) -> Call:
    """End a ringing reservation without an answer: the call goes back to its place in the queue."""
    reservation.status = outcome
    reservation.ended_at = at
    reservation.save(update_fields=["status", "ended_at"])
    call = reservation.call
    call_event(call, outcome, at=at, agent_id=reservation.agent_id)
    gateway.command("cancel_ring", call_id=call.gateway_call_id, extension=extension_of(reservation.agent_id))
    if call.status == CallStatus.RINGING:
        call.status = CallStatus.CALLBACK if call.callback_number else CallStatus.QUEUED
        call.agent = None
        call.save(update_fields=["status", "agent"])
    notify.queue_changed()
    return call


def live_reservation(*, agent_id: int | None = None, call: Call | None = None) -> Reservation | None:
    rows = Reservation.objects.select_related("call", "call__queue", "queue").filter(status__in=Reservation.LIVE)
    rows = rows.filter(agent_id=agent_id) if agent_id is not None else rows.filter(call=call)
    return rows.first()


def end_reservation(reservation: Reservation, *, at: datetime) -> None:
    """The agent's part of the call is over: after-call work for the queue's time, or ready at once."""
    if reservation.held_at:
        reservation.hold_seconds += max(0, int((at - reservation.held_at).total_seconds()))
        reservation.held_at = None
    reservation.status = Reservation.Status.COMPLETED
    reservation.ended_at = at
    reservation.save(update_fields=["status", "ended_at", "hold_seconds", "held_at"])
    status = status_of(reservation.agent_id, at)
    queue = reservation.queue
    change(status, "end", at=at, call=reservation.call)
    if queue.after_call_work_seconds or (queue.wrap_up_required and reservation.wrap_up_code_id is None):
        status.after_call_work_until = at + timedelta(seconds=queue.after_call_work_seconds)
        status.save(update_fields=["after_call_work_until"])
        clock.schedule("acw", status.agent_id, status.after_call_work_until)
    else:
        finish_after_call_work(status, at=at)


def finish_after_call_work(status: AgentStatus, *, at: datetime, actor: str = "") -> None:
    """Ready again, or not ready when a supervisor asked for it during the call."""
    pending = status.pending_reason
    status.pending_reason = None
    change(status, "finish", at=at, actor=actor, reason=pending,
           to=AgentState.NOT_READY if pending else AgentState.READY)


def lacks_wrap_up(reservation: Reservation | None) -> bool:
    """Does the queue the call was answered in want a wrap-up code it has not been given?"""
    return bool(reservation and reservation.queue.wrap_up_required and reservation.wrap_up_code_id is None)


def last_answered(agent_id: int) -> Reservation | None:
    """The agent's call in hand, or the one they finished last (by id: written in the order of the
    tenant's ACD lock, where `created_at` of an attended transfer is the gateway's clock)."""
    return (Reservation.objects.select_related("call", "queue").filter(agent_id=agent_id, answered_at__isnull=False)
            .order_by("-id").first())


def waiting_count(queue_id: int) -> int:
    return Call.objects.filter(queue_id=queue_id, status__in=(CallStatus.QUEUED, CallStatus.CALLBACK)).count()
