"""What the database says about a simulation afterwards (run in the tenant's schema): calls it lost, and
reservations that overlap (an agent with two calls at once, or a call with two agents at once)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.utils import timezone

from saas.acd.models import FINISHED, WAITING, Call, Reservation


def call_statuses(call_prefix: str) -> Counter:
    return Counter(Call.objects.filter(gateway_call_id__startswith=call_prefix).values_list("status", flat=True))


def lost_calls(call_prefix: str, *, offered: int) -> list[str]:
    """Calls offered with this id prefix that are not finished and not waiting in a queue (the product
    dropped them, or left them ringing or connected with nobody), plus those never stored."""
    stuck = list(Call.objects.filter(gateway_call_id__startswith=call_prefix).exclude(
        status__in=[*FINISHED, *WAITING]).values_list("gateway_call_id", flat=True))
    stored = Call.objects.filter(gateway_call_id__startswith=call_prefix).count()
    return stuck + ["(offered, never stored)"] * max(0, offered - stored)


def overlapping_reservations(call_prefix: str) -> list[str]:
    """Reservations of these calls that overlap in time on one agent or on one call. A reservation still
    live counts as lasting until now."""
    now = timezone.now()
    rows = list(Reservation.objects.filter(call__gateway_call_id__startswith=call_prefix).values_list(
        "pk", "agent_id", "call_id", "created_at", "ended_at"))
    found = []
    for owner, label in ((1, "agent"), (2, "call")):
        last_end: dict[int, tuple[datetime, int]] = {}
        for row in sorted(rows, key=lambda row: (row[owner], row[3], row[0])):
            key, start, end = row[owner], row[3], row[4] or now
            previous = last_end.get(key)
            if previous and start < previous[0]:
                found.append(f"{label} {key}: reservation {row[0]} starts before {previous[1]} ends")
            if previous is None or end > previous[0]:
                last_end[key] = (end, row[0])
    return found
