"""The telephony gateway's websocket: call events in, receipts and the ACD's commands out.

The gateway authenticates in the handshake (`Authorization: Gateway <key>`, looked up in the host's
tenant only). While it is connected the tenant counts as reachable (saas.acd.gateway's presence,
refreshed by its heartbeat) and commands come here; otherwise they go to the webhook. This is the
high-rate path: an event costs its validation and the ACD's own transaction, nothing more.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from saas.acd import gateway, notify
from saas.acd.api import TelephonyEventSerializer
from saas.acd.authentication import integration_for, key_in, seen_long_ago, touch
from saas.acd.telephony import GatewayEvent, Receipt, do_receive_event
from saas.api.errors import DomainError
from saas.realtime import CLOSE_FORBIDDEN

# Presence is refreshed by any frame at most this often (well inside gateway.PRESENCE_SECONDS), by a ping always.
PRESENCE_REFRESH_SECONDS = gateway.PRESENCE_SECONDS / 3


def _authorization(scope) -> str:
    return dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")


class GatewayConsumer(AsyncWebsocketConsumer):
    integration = None
    refresh_at = 0.0  # time.monotonic() when presence is next refreshed

    async def connect(self):
        self.tenant = self.scope["tenant"]
        key = key_in(_authorization(self.scope))
        if key is not None:
            self.integration = await self._in_tenant(integration_for, key)
        if self.integration is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.schema = self.tenant.schema_name
        self.group = notify.gateway_group(self.schema)
        # In the group before counting as connected: a command sent in between would find no one.
        await self.channel_layer.group_add(self.group, self.channel_name)
        if await self._alive(force=True):
            await self.accept()

    async def disconnect(self, code):
        if self.integration:
            # No longer counted as connected before leaving the group, for the same reason.
            gateway.mark_disconnected(self.schema, self.channel_name)
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        if not await self._alive():
            return
        try:
            content = json.loads(text_data or bytes_data or "")
        except ValueError:
            await self._send({"type": "error", "code": "invalid", "details": {"json": [_("This is not JSON.")]}})
            return
        if isinstance(content, dict) and content.get("type") == "ping":
            gateway.mark_connected(self.schema, self.channel_name)  # the heartbeat: always counts
            await self._send({"type": "pong"})
            return
        checked = TelephonyEventSerializer(data=content)
        if not checked.is_valid():
            await self._send({"type": "error", "code": "invalid", "event_id": _event_id(content),
                              "details": checked.errors})
            return
        event = checked.event()
        try:
            receipt = await self._in_tenant(_receive, event)
        except DomainError as error:  # not stored: the gateway may send it again
            await self._send({"type": "error", "code": error.code, "event_id": event.event_id,
                              "message": str(error.message), "details": error.details})
            return
        await self._send({"type": "receipt", **asdict(receipt)})

    async def gateway_command(self, message):
        await self.send(text_data=json.dumps(message["command"], ensure_ascii=False))

    async def gateway_revoked(self, message):
        """The integration's key was rotated or it was switched off: this socket's key is no longer valid."""
        if message["integration"] == self.integration.pk:
            await self.close(code=CLOSE_FORBIDDEN)

    async def _alive(self, *, force: bool = False) -> bool:
        """The gateway is there: refresh its presence, and its last_seen_at once a minute. False (and
        closed) when its key stopped working meanwhile."""
        now = time.monotonic()
        if not force and now < self.refresh_at:
            return True
        self.refresh_at = now + PRESENCE_REFRESH_SECONDS
        if seen_long_ago(self.integration) and not await self._in_tenant(touch, self.integration):
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        gateway.mark_connected(self.schema, self.channel_name)
        return True

    async def _send(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False, cls=DjangoJSONEncoder))

    @database_sync_to_async
    def _in_tenant(self, function, *args):
        with tenant_context(self.tenant):
            return function(*args)


def _receive(event: GatewayEvent) -> Receipt:
    return do_receive_event(event=event)


def _event_id(content) -> str | None:
    return content.get("event_id") if isinstance(content, dict) and isinstance(content.get("event_id"), str) else None
