"""Tell desktops, wallboards and the gateway what changed, once the change is committed.

Messages are small ("agent 7 changed"): each consumer reads the true state itself, so a message
lost or overtaken never leaves a screen wrong for longer than its next refresh.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

logger = logging.getLogger(__name__)


def group(*parts: str, schema: str | None = None) -> str:
    """A channel-layer group of a tenant, the current one by default (the schema name comes first, as
    saas.realtime.group_name does)."""
    return ".".join([schema or connection.schema_name, *parts])


def agent_group(agent_id: int) -> str:
    return group("agent", str(agent_id))


def wallboard_group() -> str:
    return group("wallboard")


def gateway_group(schema: str | None = None) -> str:
    return group("gateway", schema=schema)


class _Outbox:
    """The pings of one transaction, each sent once when it commits: a routing pass that changes
    several agents and queues would otherwise ping the wallboard once for every change."""

    def __init__(self):
        self.messages: dict[tuple[str, str], dict] = {}

    def __call__(self):
        for (group_name, _), message in self.messages.items():
            send(group_name, message)


def _outbox() -> _Outbox:
    # The outbox of this very savepoint still waiting in the on-commit list, else a new one: after a
    # commit or a rollback (of the transaction or of its savepoint) the old one is gone with what it held.
    level = set(connection.savepoint_ids)
    pending = next((callback for savepoints, callback, _ in connection.run_on_commit
                    if isinstance(callback, _Outbox) and savepoints == level), None)
    if pending is None:
        pending = _Outbox()
        transaction.on_commit(pending)
    return pending


def after_commit(group_name: str, message: dict) -> None:
    if not connection.in_atomic_block:
        send(group_name, message)
        return
    _outbox().messages[group_name, repr(sorted(message.items()))] = message


def send(group_name: str, message: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group_name, message)
    except Exception:  # a channel-layer outage must not undo or fail a committed call event
        logger.exception("could not push %s to %s", message.get("type"), group_name)


def agent_changed(agent_id: int) -> None:
    after_commit(agent_group(agent_id), {"type": "agent.changed", "agent": agent_id})
    after_commit(wallboard_group(), {"type": "wallboard.changed"})


def queue_changed() -> None:
    after_commit(wallboard_group(), {"type": "wallboard.changed"})
