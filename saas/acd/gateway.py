"""Routing decisions and agent commands to the tenant's telephony gateway.

The gateway keeps a websocket open (saas.acd.consumers.GatewayConsumer) and commands go there.
While none is connected they are POSTed to the integration's webhook URL by a Celery task, signed
with its secret. Every command carries an id, so a gateway that hears one twice can tell.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

from django.db import connection, transaction

from saas.acd import notify
from saas.acd.live import store
from saas.celery import enqueue

PRESENCE_SECONDS = 60  # a connected gateway says it is alive at least this often


def _presence_key(schema: str) -> str:
    return f"acd:gateway:{schema}"


def mark_connected(schema: str, channel_name: str) -> None:
    store().hset(_presence_key(schema), channel_name, time.time() + PRESENCE_SECONDS)


def mark_disconnected(schema: str, channel_name: str) -> None:
    store().hdel(_presence_key(schema), channel_name)


def connected(schema: str) -> bool:
    now = time.time()
    return any(float(until) > now for until in store().hvals(_presence_key(schema)))


def command(kind: str, **fields) -> dict:
    """Queue a message for the gateway, sent when the current transaction commits."""
    message = {"id": uuid.uuid4().hex, "type": kind, **fields}
    schema = connection.schema_name
    transaction.on_commit(lambda: deliver(schema, message))
    return message


def deliver(schema: str, message: dict) -> None:
    if connected(schema):
        notify.send(notify.gateway_group(schema), {"type": "gateway.command", "command": message})
    else:
        enqueue("saas.acd.tasks.post_to_gateway", schema, message,
                when_unreachable="the command is lost; the ACD's deadlines put the call back in the queue")


def signature(secret: str, body: bytes, timestamp: int) -> str:
    """`t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">`, as the gateway checks it."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def webhook_body(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
