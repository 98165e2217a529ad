"""The supervisor's wallboard: what is waiting, who is doing what, and how today is going.

These are live operating figures, read for a screen that refreshes up to four times a second: a
fixed handful of queries (one for the queues, one for the agents) whatever the day's traffic. The
reporting figures — per interval, for closed periods, with their exact definitions — are the KPI
issue's (#7); while a day is still running the two may differ.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, FilteredRelation, Min, OuterRef, Q, Value
from django.utils import timezone

from saas.accounts.roles import Role
from saas.acd.models import WAITING, AgentState, AgentStatus, CallStatus, Reservation
from saas.agents.models import AgentSkill
from saas.queues.models import Queue

# Who watches the wallboard and acts on agents from it (its page, websocket and API).
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.TENANT_ADMIN})
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The states a logged-in agent can be in, in the order the wallboard shows them.
ON_SHIFT = [state for state in AgentState if state != AgentState.LOGGED_OUT]


def start_of_day(now: datetime) -> datetime:
    """Midnight of `now`'s day in Shanghai: "today" for every figure of the wallboard."""
    return now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)


def _after_queued(queue_field: str):
    """The call's `queued_at` plus the queue's setting `queue_field`, in seconds."""
    seconds = ExpressionWrapper(F(queue_field) * Value(timedelta(seconds=1)), output_field=DurationField())
    return F("relevant__queued_at") + seconds


def _queue_rows(today: datetime):
    # Only the calls that matter now (waiting, or offered today) are joined, by an index, not the
    # queue's whole history; one row per queue, every figure by conditional aggregation.
    waiting = Q(relevant__status__in=WAITING)
    offered = Q(relevant__offered_at__gte=today)
    answered = offered & Q(relevant__answered_at__isnull=False)
    abandoned = offered & Q(relevant__status=CallStatus.ABANDONED)
    return (
        Queue.objects.filter(active=True)
        .annotate(
            relevant=FilteredRelation("calls", condition=Q(calls__status__in=WAITING)
                                      | Q(calls__offered_at__gte=today)),
            required=ArraySubquery(Queue.required_skills.through.objects.filter(queue_id=OuterRef("pk"))
                                   .values("skill_id")),
            waiting=Count("relevant__id", filter=waiting),
            oldest_queued_at=Min("relevant__queued_at", filter=waiting),
            offered=Count("relevant__id", filter=offered),
            answered=Count("relevant__id", filter=answered),
            answered_in_time=Count("relevant__id", filter=answered & Q(
                relevant__answered_at__lte=_after_queued("service_level_seconds"))),
            abandoned=Count("relevant__id", filter=abandoned),
            short_abandons=Count("relevant__id", filter=abandoned & Q(
                relevant__ended_at__lte=_after_queued("short_abandon_seconds"))),
            speed_of_answer=Avg(F("relevant__answered_at") - F("relevant__queued_at"), filter=answered),
        )
        .order_by("-priority", "name")
    )


def _agent_rows():
    # The call in hand is the agent's live reservation (at most one, by a unique index).
    return (
        AgentStatus.objects.exclude(state=AgentState.LOGGED_OUT)
        .annotate(
            live=FilteredRelation("agent__reservations",
                                  condition=Q(agent__reservations__status__in=Reservation.LIVE)),
            skills=ArraySubquery(AgentSkill.objects.filter(agent_id=OuterRef("agent_id")).values("skill_id")),
        )
        .values("agent_id", "agent__employee_number", "agent__name", "agent__team__name", "state", "reason__name",
                "since", "skills", "live__call__gateway_call_id", "live__call__queue__name")
        .order_by("agent__employee_number")
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def wallboard_snapshot(now: datetime | None = None) -> dict:
    """The current tenant's wallboard (the shape the wallboard websocket and API send)."""
    now = now or timezone.now()
    agents = list(_agent_rows())
    queues = []
    for queue in _queue_rows(start_of_day(now)):
        required = set(queue.required)
        # An agent counts for every queue whose required skills they all have, as routing decides.
        states = Counter(agent["state"] for agent in agents if required <= set(agent["skills"]))
        queues.append({
            "id": queue.pk,
            "name": queue.name,
            "waiting": queue.waiting,
            "longest_wait_seconds": int((now - queue.oldest_queued_at).total_seconds()) if queue.waiting else 0,
            "agents": {state.value: states[state] for state in ON_SHIFT},
            "offered_today": queue.offered,
            "answered_today": queue.answered,
            "abandoned_today": queue.abandoned,
            # Short abandons are left out: the caller hung up before anyone could have answered.
            "service_level_today": _share(queue.answered_in_time, queue.offered - queue.short_abandons),
            "asa_seconds": round(queue.speed_of_answer.total_seconds(), 1) if queue.answered else None,
            "service_level_target": queue.service_level_percent / 100,
        })
    return {
        "at": timezone.localtime(now).isoformat(),
        "queues": queues,
        "agents": [{
            "id": agent["agent_id"],
            "employee_number": agent["agent__employee_number"],
            "name": agent["agent__name"],
            "team": agent["agent__team__name"],
            "state": agent["state"],
            "reason": agent["reason__name"],
            "since": timezone.localtime(agent["since"]).isoformat(),
            "seconds_in_state": max(0, int((now - agent["since"]).total_seconds())),
            "call_id": agent["live__call__gateway_call_id"],
            "queue": agent["live__call__queue__name"],
        } for agent in agents],
    }
