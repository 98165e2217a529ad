"""The supervisor's wallboard websocket: snapshots, and the supervisor's actions on agents.

A snapshot (saas.acd.wallboard) goes out on connect, soon after any change of the tenant's agents
or calls, and at least every few seconds (waits and times in state grow without any change). A
burst of `wallboard.changed` pings — a routing pass moves several agents and calls at once — makes
one snapshot, and never more than four a second, because each is a few aggregate queries per open
wallboard.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from saas.acd import notify, services
from saas.acd.wallboard import SUPERVISORS, wallboard_snapshot
from saas.agents.models import Agent
from saas.api.errors import DomainError
from saas.realtime import CLOSE_FORBIDDEN, BrowserConsumer, scope_language

logger = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2  # how long a change waits for the rest of its burst
MIN_GAP_SECONDS = 0.25  # at most four snapshots a second
REFRESH_SECONDS = 5.0  # a snapshot at least this often, changes or not

ACTIONS = {"force_not_ready": services.do_force_not_ready, "force_logout": services.do_force_logout}


class WallboardConsumer(BrowserConsumer):
    async def connect(self):
        user = self.scope["user"]
        if not user.is_authenticated or user.role not in SUPERVISORS:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.language = scope_language(self.scope)
        self.group = await self._in_tenant(notify.wallboard_group)
        self.last_sent = 0.0
        self.pending: asyncio.Task | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._send_snapshot()
        self.refresher = asyncio.create_task(self._refresh())

    async def disconnect(self, code):
        for task in (getattr(self, "pending", None), getattr(self, "refresher", None)):
            if task is not None:
                task.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def wallboard_changed(self, event):
        if self.pending is None:
            loop = asyncio.get_running_loop()
            delay = max(COALESCE_SECONDS, self.last_sent + MIN_GAP_SECONDS - loop.time())
            self.pending = asyncio.create_task(self._send_after(delay))

    async def _send_after(self, delay: float):
        await asyncio.sleep(delay)
        # A change that arrives while this snapshot is read may be missing from it: it schedules the next.
        self.pending = None
        await self._send_snapshot()

    async def _refresh(self):
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(max(0.0, self.last_sent + REFRESH_SECONDS - loop.time()))
            if loop.time() - self.last_sent >= REFRESH_SECONDS:
                await self._send_snapshot()

    async def _send_snapshot(self):
        self.last_sent = asyncio.get_running_loop().time()
        try:
            snapshot = await self._in_tenant(wallboard_snapshot)
            await self.send_json({"type": "wallboard", **snapshot})
        except Exception:  # the next change or refresh tries again; the socket stays open
            logger.exception("wallboard snapshot for %s failed", self.group)

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        await self.send_json(await self._act(action, content.get("agent") if action else None))

    @database_sync_to_async
    def _in_tenant(self, function):
        with tenant_context(self.scope["tenant"]):
            return function()

    @database_sync_to_async
    def _act(self, action, agent_id) -> dict:
        with tenant_context(self.scope["tenant"]), translation.override(self.language):
            try:
                service = ACTIONS.get(action) if isinstance(action, str) else None
                if service is None:
                    raise DomainError("invalid", _("This is not an action of the wallboard."))
                if not isinstance(agent_id, int) or isinstance(agent_id, bool):
                    raise DomainError("invalid", _("“%(field)s” is not valid.") % {"field": "agent"},
                                      details={"field": "agent"})
                agent = Agent.objects.filter(pk=agent_id).first()
                if agent is None:
                    raise DomainError("not_found", _("There is no such agent."), status_code=404,
                                      details={"agent": agent_id})
                service(agent=agent, actor=self.scope["user"])
            except DomainError as error:
                return {"type": "error", "action": action, "code": error.code, "message": str(error.message)}
            except Exception:
                logger.exception("wallboard action %s on agent %s failed", action, agent_id)
                return {"type": "error", "action": action, "code": "error",
                        "message": str(_("The action failed. Try again."))}
        return {"type": "ok", "action": action, "agent": agent_id}
