"""Reads for the agent desktop: what one agent sees, in the shape of the desktop's "state" message.

The snapshot is read again after every change of the agent, so it keeps to a handful of queries
whatever the caller's history holds.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from compliance import provinces
from saas.acd.changes import last_answered
from saas.acd.models import AgentSession, AgentState, AgentStatus, Call, Reservation
from saas.agents.models import Agent, ReasonCode
from saas.seats.models import Seat

HISTORY_LENGTH = 10
IN_HAND = (AgentState.RINGING, AgentState.ON_CALL, AgentState.ON_HOLD)


def agent_snapshot(agent: Agent) -> dict:
    """Everything the agent's desktop shows: state, seat, the call in hand (or just ended, during
    after-call work) with the caller's history, and the choices the agent has."""
    status = AgentStatus.objects.select_related("reason", "session__seat").filter(agent=agent).first()
    state = status.state if status else AgentState.LOGGED_OUT
    seat = status.session.seat if status and status.session else None
    reservation = _reservation_in_view(agent, state)
    return {
        "type": "state",
        "agent": {"id": agent.pk, "employee_number": agent.employee_number, "name": agent.name},
        "state": state,
        "reason": _named(status.reason) if status and status.reason else None,
        "since": _iso(status.since) if status else None,
        "seat": {"code": seat.code, "extension": seat.extension} if seat else None,
        "session": status.session_id if status else None,
        "pending_not_ready": bool(status and status.pending_reason_id),
        "after_call_work_until": _iso(status.after_call_work_until) if status else None,
        "reasons": [_named(reason) for reason in ReasonCode.objects.filter(active=True).exclude(
            category=ReasonCode.Category.SYSTEM)],
        "seats": free_seats() if state == AgentState.LOGGED_OUT else [],
        "call": _call(reservation) if reservation else None,
    }


def free_seats() -> list[dict]:
    taken = AgentSession.objects.filter(ended_at__isnull=True).values("seat_id")
    seats = Seat.objects.filter(status=Seat.Status.ACTIVE).exclude(pk__in=taken).order_by("code")
    return [{"code": code, "extension": extension} for code, extension in seats.values_list("code", "extension")]


def caller_history(call: Call) -> list[dict]:
    """The caller's earlier calls, newest first, each with the agent who last took it and what they
    recorded (an unanswered call has no agent)."""
    answered = Reservation.objects.filter(answered_at__isnull=False).select_related(
        "agent", "wrap_up_code").order_by("-created_at")
    calls = (Call.objects.filter(caller=call.caller).exclude(pk=call.pk).select_related("queue")
             .prefetch_related(Prefetch("reservations", queryset=answered, to_attr="answered"))
             .order_by("-offered_at")[:HISTORY_LENGTH])
    history = []
    for earlier in calls:
        taken = earlier.answered[0] if earlier.answered else None
        code = taken.wrap_up_code if taken else None
        history.append({
            "id": earlier.gateway_call_id,
            "offered_at": _iso(earlier.offered_at),
            "queue": earlier.queue.name if earlier.queue else "",
            "status": earlier.status,
            "agent": taken.agent.name if taken else "",
            "wrap_up_code": code.code if code else None,
            # The code alone means little in a history that spans queues.
            "wrap_up_name": code.name if code else "",
            "notes": taken.notes if taken else "",
        })
    return history


def _reservation_in_view(agent: Agent, state: str) -> Reservation | None:
    """The agent's part of the call on screen: live while ringing or talking, the last answered one
    during after-call work (the call the wrap-up is for, as services.do_wrap_up finds it)."""
    if state in IN_HAND:
        return (Reservation.objects.select_related("call", "queue", "wrap_up_code")
                .filter(agent=agent, status__in=Reservation.LIVE).first())
    if state == AgentState.AFTER_CALL_WORK:
        return last_answered(agent.pk)
    return None


def _call(reservation: Reservation) -> dict:
    """The call as this agent has it: from the queue it was offered in (whose wrap-up rules hold),
    answered when this agent answered."""
    call = reservation.call
    queue = reservation.queue
    return {
        "id": call.gateway_call_id,
        "caller": call.caller,
        "province": provinces.name(call.caller_province) if call.caller_province else "",
        "queue": queue.name,
        "status": call.status,
        "offered_at": _iso(call.offered_at),
        "answered_at": _iso(reservation.answered_at),
        "wrap_up_required": queue.wrap_up_required,
        "wrap_up_codes": [_named(code) for code in queue.wrap_up_codes.filter(active=True)],
        "notes": reservation.notes,
        "wrap_up_code": reservation.wrap_up_code.code if reservation.wrap_up_code else None,
        "resolved_first_contact": reservation.resolved_first_contact,
        "history": caller_history(call),
    }


def _named(row) -> dict:
    return {"code": row.code, "name": row.name}


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None
