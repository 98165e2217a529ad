"""What agents and supervisors do to agents' states, and the ACD's deadlines.

Every action runs in one transaction under the tenant's ACD lock (see `changes`), writes its
state events, and routes whatever it made possible before it commits.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from saas.acd import gateway, notify
from saas.acd.changes import (
    change,
    finish_after_call_work,
    lacks_wrap_up,
    last_answered,
    live_reservation,
    lock,
    release,
    status_of,
)
from saas.acd.models import AgentSession, AgentState, AgentStatus, Call, CallStatus, GatewayIntegration, Reservation
from saas.acd.overflow import overflow
from saas.acd.routing import route
from saas.agents.models import Agent, ReasonCode
from saas.api.errors import Conflict, DomainError
from saas.audit.services import record
from saas.queues.models import Queue, WrapUpCode
from saas.seats.models import Seat

MISSED = "missed"
SUPERVISOR = "supervisor"
ON_A_CALL = (AgentState.ON_CALL, AgentState.ON_HOLD)


def do_login(*, agent: Agent, actor, seat: Seat | None = None) -> AgentSession:
    """Log the agent into a seat (their default one, else any free active seat). Logging in while
    logged in elsewhere ends the other session."""
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state in ON_A_CALL:
            raise Conflict("agent_on_call", _("Finish the call in hand before logging in elsewhere."))
        seat = _free_seat(seat or agent.default_seat, status)
        if status.state != AgentState.LOGGED_OUT:
            _log_out(status, at=now, actor=actor, end=AgentSession.End.ELSEWHERE)
        session = AgentSession.objects.create(agent=agent, seat=seat, started_at=now)
        status.session = session
        change(status, "login", at=now, actor=actor.username)
        record(actor=actor, action="agent.logged_in", target=agent, data={"seat": seat.code})
        route(at=now)  # a call that rang at the agent's old seat went back to the queue
    return session


def _free_seat(seat: Seat | None, status: AgentStatus) -> Seat:
    # Locking the seat serialises a login with the seat's deactivation (which refuses a seat in use),
    # so logged-in seats never exceed active ones.
    seats = Seat.objects.select_for_update().filter(status=Seat.Status.ACTIVE)
    own = status.session.seat_id if status.session else None
    taken = AgentSession.objects.filter(ended_at__isnull=True).exclude(seat_id=own).values("seat_id")
    if seat is not None:
        chosen = seats.filter(pk=seat.pk).first()
        if chosen is None:
            raise Conflict("seat_inactive", _("This seat is not active."), details={"seat": seat.code})
        if taken.filter(seat_id=seat.pk).exists():
            raise Conflict("seat_taken", _("Another agent is logged into this seat."), details={"seat": seat.code})
        return chosen
    chosen = seats.exclude(pk__in=taken).order_by("code").first()
    if chosen is None:
        raise Conflict("no_free_seat", _("Every active seat is in use."))
    return chosen


def do_logout(*, agent: Agent, actor, end: str = AgentSession.End.LOGOUT) -> AgentStatus:
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        _log_out(status, at=now, actor=actor, end=end)
        record(actor=actor, action="agent.logged_out", target=agent, data={"end": end})
        route(at=now)
    return status


def _log_out(status: AgentStatus, *, at: datetime, actor, end: str) -> None:
    session = status.session
    _give_back_ringing_call(status, at=at)
    change(status, "logout", at=at, actor=actor.username)
    if session:
        AgentSession.objects.filter(pk=session.pk).update(ended_at=at, end=end)


def _give_back_ringing_call(status: AgentStatus, *, at: datetime) -> None:
    if status.state == AgentState.RINGING:
        reservation = live_reservation(agent_id=status.agent_id)
        if reservation:
            release(reservation, Reservation.Status.CANCELLED, at=at)


def do_set_ready(*, agent: Agent, actor) -> AgentStatus:
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state == AgentState.AFTER_CALL_WORK:
            _refuse_without_wrap_up(last_answered(agent.pk))
            finish_after_call_work(status, at=now, actor=actor.username)  # a supervisor's not-ready wins
        else:
            change(status, "ready", at=now, actor=actor.username)
        route(at=now)
    return status


def do_set_not_ready(*, agent: Agent, actor, reason: ReasonCode) -> AgentStatus:
    if not reason.active or reason.category == ReasonCode.Category.SYSTEM:
        raise DomainError("reason_not_selectable", _("This reason code cannot be chosen."),
                          details={"reason": reason.code})
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state == AgentState.AFTER_CALL_WORK:
            _refuse_without_wrap_up(last_answered(agent.pk))
        _give_back_ringing_call(status, at=now)
        change(status, "not_ready", at=now, actor=actor.username, reason=reason)
        route(at=now)
    return status


def do_wrap_up(*, agent: Agent, actor, code: WrapUpCode | None = None, notes: str | None = None,
               resolved_first_contact: bool | None = None) -> Reservation:
    """Record the wrap-up of the call in hand or just ended. In after-call work this also ends it
    (the agent becomes ready, or not ready if a supervisor asked)."""
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state not in (*ON_A_CALL, AgentState.AFTER_CALL_WORK):
            raise Conflict("no_call_to_wrap_up", _("There is no call to wrap up."))
        reservation = live_reservation(agent_id=agent.pk) if status.state in ON_A_CALL else last_answered(agent.pk)
        if reservation is None:
            raise Conflict("no_call_to_wrap_up", _("There is no call to wrap up."))
        # The queue the agent answered in, not the one a transfer may have moved the call to.
        if code is not None and (code.queue_id != reservation.queue_id or not code.active):
            raise DomainError("wrap_up_code_invalid", _("This wrap-up code does not belong to the call's queue."),
                              details={"code": code.code})
        reservation.wrap_up_code = code or reservation.wrap_up_code
        reservation.notes = reservation.notes if notes is None else notes
        if resolved_first_contact is not None:
            reservation.resolved_first_contact = resolved_first_contact
        if status.state == AgentState.AFTER_CALL_WORK:
            _refuse_without_wrap_up(reservation)
            reservation.wrapped_up_at = now
        reservation.save()
        if status.state == AgentState.AFTER_CALL_WORK:
            finish_after_call_work(status, at=now, actor=actor.username)
            route(at=now)
    return reservation


def _refuse_without_wrap_up(reservation: Reservation | None) -> None:
    if lacks_wrap_up(reservation):
        raise Conflict("wrap_up_required", _("This queue requires a wrap-up code before the next call."),
                       details={"call": reservation.call.gateway_call_id})


def do_force_not_ready(*, agent: Agent, actor) -> AgentStatus:
    """A supervisor makes an agent not ready: at once, or when the call in hand is over."""
    reason = ReasonCode.objects.get(code=SUPERVISOR)
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state == AgentState.LOGGED_OUT:
            raise Conflict("agent_logged_out", _("The agent is not logged in."))
        if status.state in (*ON_A_CALL, AgentState.AFTER_CALL_WORK):
            status.pending_reason = reason
            status.save(update_fields=["pending_reason"])
            notify.agent_changed(status.agent_id)  # the desktop shows it pending
        else:
            _give_back_ringing_call(status, at=now)
            change(status, "not_ready", at=now, actor=actor.username, reason=reason)
        record(actor=actor, action="agent.forced_not_ready", target=agent)
        route(at=now)
    return status


def do_force_logout(*, agent: Agent, actor) -> AgentStatus:
    """A supervisor logs an agent out; not in the middle of a call."""
    return do_logout(agent=agent, actor=actor, end=AgentSession.End.SUPERVISOR)


def do_request(*, agent: Agent, actor, command: str, **arguments) -> dict:
    """Ask the gateway to act on the agent's call (answer, hold, unhold, hang up, transfer) or to dial
    out. The agent's state changes when the gateway reports that it happened."""
    allowed = {
        "answer": (AgentState.RINGING,), "hold": (AgentState.ON_CALL,), "unhold": (AgentState.ON_HOLD,),
        "hangup": ON_A_CALL, "transfer": ON_A_CALL, "dial_out": (AgentState.READY, AgentState.NOT_READY),
    }
    with transaction.atomic():
        now = lock()
        status = status_of(agent, now)
        if status.state not in allowed[command]:
            raise Conflict("agent_state_conflict", _("An agent who is %(state)s cannot do this (%(action)s).")
                           % {"state": AgentState(status.state).label, "action": command},
                           details={"state": status.state, "action": command})
        if not gateway.connected(connection.schema_name) and not _has_webhook():
            raise Conflict("gateway_unreachable", _("The telephony gateway is not connected. Try again shortly."))
        reservation = live_reservation(agent_id=agent.pk)
        fields = {"extension": status.session.seat.extension, **arguments}
        if reservation:
            fields["call_id"] = reservation.call.gateway_call_id
        return gateway.command(command, **fields)


def _has_webhook() -> bool:
    return GatewayIntegration.objects.filter(active=True).exclude(webhook_url="").exists()


# --- Deadlines (saas.acd.clock) ---------------------------------------------------------------------------

def handle_deadline(kind: str, pk: int) -> None:
    if not _may_be_due(kind, pk):
        return  # met before it came (the ring answered, the wrap-up given): no need to wait for the lock
    with transaction.atomic():
        now = lock()
        if kind == "ring":
            _ring_timed_out(pk, now)
        elif kind == "acw":
            _after_call_work_over(pk, now)
        elif kind == "wait":
            call = Call.objects.select_related("queue").filter(pk=pk).first()
            if call and _waited_too_long(call, now):
                overflow(call, at=now)
        route(at=now)


def _may_be_due(kind: str, pk: int) -> bool:
    """Whether a deadline may still have work, read without the lock (what it reads never comes back:
    a reservation rings once; after-call work has a deadline of its own each time)."""
    if kind == "ring":
        return Reservation.objects.filter(pk=pk, status=Reservation.Status.RINGING).exists()
    if kind == "acw":
        return AgentStatus.objects.filter(agent_id=pk, state=AgentState.AFTER_CALL_WORK).exists()
    return True


def _waited_too_long(call: Call, now: datetime) -> bool:
    """On the line in its queue past the queue's maximum wait (a caller waiting for a callback is not)."""
    max_wait = call.queue.max_wait_seconds
    return call.status == CallStatus.QUEUED and bool(max_wait) and (now - call.queued_at).total_seconds() >= max_wait


def _ring_timed_out(pk: int, now: datetime) -> None:
    reservation = Reservation.objects.select_related("call__queue").filter(
        pk=pk, status=Reservation.Status.RINGING, expires_at__lte=now).first()
    if reservation is None:
        return
    release(reservation, Reservation.Status.MISSED, at=now)
    status = status_of(reservation.agent_id, now)
    change(status, "miss", at=now, reason=ReasonCode.objects.get(code=MISSED), call=reservation.call)


def _after_call_work_over(agent_id: int, now: datetime) -> None:
    status = status_of(agent_id, now)
    if (status.state == AgentState.AFTER_CALL_WORK and status.after_call_work_until
            and status.after_call_work_until <= now and not lacks_wrap_up(last_answered(agent_id))):
        finish_after_call_work(status, at=now)


def overdue():
    """(kind, pk) of the work past its deadline: the clock's sweep."""
    now = timezone.now()
    for pk in Reservation.objects.filter(status=Reservation.Status.RINGING, expires_at__lte=now).values_list(
            "pk", flat=True):
        yield "ring", pk
    for agent_id in AgentStatus.objects.filter(state=AgentState.AFTER_CALL_WORK,
                                               after_call_work_until__lte=now).values_list("agent_id", flat=True):
        yield "acw", agent_id
    for call in Call.objects.select_related("queue").filter(status=CallStatus.QUEUED, overflowed_at__isnull=True,
                                                            queue__max_wait_seconds__isnull=False).exclude(
            queue__overflow_action=Queue.Overflow.NONE):
        if _waited_too_long(call, now):
            yield "wait", call.pk

