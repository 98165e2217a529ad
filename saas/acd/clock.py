"""The ACD's deadlines: a ring that times out, after-call work that ends, a caller who waited too long.

Each deadline is a member of one Redis sorted set scored by its due time. `run` pops due members
(ZREM decides who owns one, so several clocks may run) and hands them to the services, which check
the database before acting: a deadline whose moment has passed (the call was answered) does
nothing. A sweep every `SWEEP_SECONDS` re-finds overdue work in the database, so a lost deadline
(Redis restarted) is only late, never forgotten.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime

from django.db import close_old_connections, connection, transaction
from django_tenants.utils import get_public_schema_name, schema_context

from saas.acd.live import store

logger = logging.getLogger(__name__)

KEY = "acd:deadlines"
SWEEP_SECONDS = 30
TICK_SECONDS = 0.1


def schedule(kind: str, pk: int, at: datetime) -> None:
    """Due at `at`, once the current transaction commits."""
    member = f"{connection.schema_name}|{kind}|{pk}"
    transaction.on_commit(lambda: store().zadd(KEY, {member: at.timestamp()}))


def run_due(now: float | None = None, limit: int = 500) -> int:
    """Handle every deadline due by `now`; returns how many were handled."""
    from saas.acd.services import handle_deadline

    due = store().zrangebyscore(KEY, "-inf", now if now is not None else time.time(), start=0, num=limit)
    handled = 0
    for member in due:
        if not store().zrem(KEY, member):
            continue  # another clock took it
        schema, kind, pk = member.split("|")
        try:
            with schema_context(schema):
                handle_deadline(kind, int(pk))
            handled += 1
        except Exception:
            logger.exception("deadline %s failed", member)
    return handled


def sweep() -> int:
    """Schedule again, as due now, the overdue work of every tenant with live calls."""
    from saas.acd.services import overdue
    from tenants.models import Client

    found = 0
    # The platform's own row (the public schema) has no ACD tables.
    tenants = Client.objects.filter(status=Client.Status.ACTIVE, ready=True).exclude(
        schema_name=get_public_schema_name())
    for schema in tenants.values_list("schema_name", flat=True):
        with schema_context(schema):
            for kind, pk in overdue():
                store().zadd(KEY, {f"{schema}|{kind}|{pk}": 0})
                found += 1
    return found


def run(stop: threading.Event) -> None:
    """The clock's loop, until `stop` is set (the `acd_clock` command, and tests)."""
    next_sweep = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() >= next_sweep:
                sweep()
                next_sweep = time.monotonic() + SWEEP_SECONDS
            if not run_due():
                stop.wait(TICK_SECONDS)
        except Exception:
            logger.exception("the ACD clock's tick failed; trying again")
            stop.wait(1)
        finally:
            close_old_connections()
