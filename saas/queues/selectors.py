from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from saas.calendars.selectors import day
from saas.queues.models import OpeningHours, Queue

MONDAY = 0


def is_open(queue: Queue, at: datetime) -> bool:
    """Is the queue taking calls at this moment (Asia/Shanghai)?

    On a public or company holiday the queue keeps its holiday hours (day 7; none means closed).
    A weekend day worked for 调休 keeps Monday's hours, as a normal working day.
    """
    if queue.always_open:
        return True
    local = timezone.localtime(at)
    kind = day(local.date())
    if kind.holiday:
        weekday = OpeningHours.HOLIDAY
    elif kind.working and local.weekday() >= 5:
        weekday = MONDAY
    else:
        weekday = local.weekday()
    moment = local.time()
    return any(hours.opens <= moment < hours.closes for hours in queue.hours.all() if hours.day == weekday)
