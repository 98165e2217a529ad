"""The agent desktop's websocket: the agent's true state after every change, and the agent's actions.

The server sends a full snapshot (saas.acd.selectors.agent_snapshot) on connect and whenever the
agent changes, so the browser never has to guess: a lost message or a reconnect is healed by the
next snapshot. Each browser action is answered by `ok` or `error`; the state that follows comes as
a snapshot like any other change.
"""

from __future__ import annotations

import phonenumbers
from channels.db import database_sync_to_async
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import tenant_context

from saas.accounts.roles import Role
from saas.acd import notify, services
from saas.acd.changes import last_answered, live_reservation
from saas.acd.models import AgentSession
from saas.acd.selectors import agent_snapshot
from saas.agents.models import Agent, ReasonCode
from saas.api.errors import Conflict, DomainError
from saas.queues.models import Queue, WrapUpCode
from saas.realtime import CLOSE_FORBIDDEN, BrowserConsumer, scope_language
from saas.seats.models import Seat

NOTES_MAX_LENGTH = 2000
TRANSFER_MODES = ("blind", "attended")


class AgentDesktopConsumer(BrowserConsumer):
    async def connect(self):
        self.agent_id, self.group = await self._agent_and_group()
        if self.agent_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # The AgentSession this browser last saw while logged in: when it ends by another hand, say so once.
        self.session_id = None
        self.language = scope_language(self.scope)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._push_state()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.get("action") if isinstance(content, dict) else None
        reply, result = await self._act(action, content)
        if reply["type"] == "ok":
            # This browser's own login or logout is no news to it.
            if isinstance(result, AgentSession):
                self.session_id = result.pk
            elif action == "logout":
                self.session_id = None
        await self.send_json(reply)
        if reply["type"] == "ok" and action == "wrap_up":
            await self._push_state()  # a wrap-up saved during the call changes no state: nothing else would tell

    async def agent_changed(self, event):
        await self._push_state()

    async def _push_state(self):
        snapshot, ended = await self._read(self.session_id)
        self.session_id = snapshot["session"]
        await self.send_json(snapshot)
        if ended:  # after the state, so that a desktop that stops on it still shows the truth
            await self.send_json({"type": "session_ended", "reason": ended})

    @database_sync_to_async
    def _agent_and_group(self) -> tuple[int | None, str | None]:
        user = self.scope["user"]
        if not user.is_authenticated or user.role != Role.AGENT:
            return None, None
        with tenant_context(self.scope["tenant"]):
            agent_id = Agent.objects.filter(user=user).values_list("pk", flat=True).first()
            return agent_id, notify.agent_group(agent_id) if agent_id else None

    @database_sync_to_async
    def _read(self, session_id: int | None) -> tuple[dict, str]:
        """The snapshot, and how the session this browser saw ended if it has ("" if not)."""
        with tenant_context(self.scope["tenant"]):
            snapshot = agent_snapshot(Agent.objects.get(pk=self.agent_id))
            ended = ""
            if session_id and snapshot["session"] != session_id:
                ended = AgentSession.objects.filter(pk=session_id, ended_at__isnull=False).values_list(
                    "end", flat=True).first() or ""
            return snapshot, ended

    @database_sync_to_async
    def _act(self, action, content) -> tuple[dict, object]:
        action = action if isinstance(action, str) else None
        with tenant_context(self.scope["tenant"]), translation.override(self.language):
            try:
                handler = ACTIONS.get(action)
                if handler is None:
                    raise DomainError("invalid", _("This is not an action of the agent desktop."))
                agent = Agent.objects.select_related("default_seat").get(pk=self.agent_id)
                result = handler(agent, self.scope["user"], content)
            except IntegrityError:
                # A race the service's own checks could not see; its transaction rolled back (as the API says).
                error = Conflict("conflict", _("This conflicts with data that was just stored. Reload and try again."))
                return _error(action, error), None
            except DomainError as error:
                return _error(action, error), None
        return {"type": "ok", "action": action}, result


def _error(action: str | None, error: DomainError) -> dict:
    return {"type": "error", "action": action, "code": error.code, "message": str(error.message)}


# --- Browser actions → services --------------------------------------------------------------------------

def _text(content: dict, key: str, *, required: bool = True, max_length: int = 64) -> str | None:
    value = content.get(key)
    if value is None or value == "":
        if required:
            raise _not_valid(key)
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise _not_valid(key)
    return value


def _not_valid(field: str) -> DomainError:
    # The page never sends these; only a client of its own can, so the API's generic words do.
    return DomainError("invalid", _("Some fields are not valid."), details={"field": field})


def _login(agent, actor, content):
    code = _text(content, "seat", required=False)
    seat = None
    if code:
        seat = Seat.objects.filter(code=code).first()
        if seat is None:
            raise DomainError("seat_not_found", _("There is no seat with this code."), details={"seat": code})
    return services.do_login(agent=agent, actor=actor, seat=seat)


def _not_ready(agent, actor, content):
    code = _text(content, "reason")
    reason = ReasonCode.objects.filter(code=code).first()
    if reason is None:
        raise DomainError("reason_not_selectable", _("This reason code cannot be chosen."), details={"reason": code})
    return services.do_set_not_ready(agent=agent, actor=actor, reason=reason)


def _command(command: str):
    def request(agent, actor, content):
        return services.do_request(agent=agent, actor=actor, command=command)

    return request


def _transfer(agent, actor, content):
    """Blind or attended, to an agent's extension or to a queue; a target the gateway's event would be
    refused for (no agent there, no such queue) is refused before the caller is moved."""
    mode = _text(content, "mode")
    if mode not in TRANSFER_MODES:
        raise _not_valid("mode")
    extension = _text(content, "to_extension", required=False)
    queue = _text(content, "to_queue", required=False)
    if bool(extension) == bool(queue):
        raise DomainError("invalid", _("Transfer to an extension or to a queue."),
                          details={"field": "to_extension"})
    if extension:
        if not AgentSession.objects.filter(seat__extension=extension, ended_at__isnull=True).exclude(
                agent=agent).exists():
            raise DomainError("transfer_target_unknown", _("No other agent is logged in at this extension."),
                              details={"to_extension": extension})
        target = {"to_extension": extension}
    else:
        if not Queue.objects.filter(name=queue, active=True).exists():
            raise DomainError("transfer_queue_unknown", _("There is no active queue of this name."),
                              details={"to_queue": queue})
        target = {"to_queue": queue}
    return services.do_request(agent=agent, actor=actor, command="transfer", mode=mode, **target)


def _dial_out(agent, actor, content):
    number = _text(content, "number", max_length=32)
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        raise DomainError("invalid", _("This is not a valid phone number in mainland China."),
                          details={"field": "number"})
    # Dialled as in China, the way callers' numbers arrive: 13800138000, 02161234567.
    national = phonenumbers.normalize_digits_only(
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
    return services.do_request(agent=agent, actor=actor, command="dial_out", number=national)


def _wrap_up(agent, actor, content):
    # Absent (None) keeps what was recorded; "" clears the notes.
    notes = content.get("notes")
    if notes is not None and (not isinstance(notes, str) or len(notes) > NOTES_MAX_LENGTH):
        raise _not_valid("notes")
    resolved = content.get("resolved_first_contact")
    if resolved is not None and not isinstance(resolved, bool):
        raise _not_valid("resolved_first_contact")
    code = _text(content, "code", required=False)
    wrap_up_code = None
    if code:
        # The codes of the queue the call being wrapped up was answered in, found as do_wrap_up finds it.
        reservation = live_reservation(agent_id=agent.pk) or last_answered(agent.pk)
        wrap_up_code = WrapUpCode.objects.filter(code=code, queue_id=reservation.queue_id).first() \
            if reservation else None
        if wrap_up_code is None:
            raise DomainError("wrap_up_code_invalid", _("This wrap-up code does not belong to the call's queue."),
                              details={"code": code})
    return services.do_wrap_up(agent=agent, actor=actor, code=wrap_up_code, notes=notes,
                               resolved_first_contact=resolved)


ACTIONS = {
    "login": _login,
    "logout": lambda agent, actor, content: services.do_logout(agent=agent, actor=actor),
    "ready": lambda agent, actor, content: services.do_set_ready(agent=agent, actor=actor),
    "not_ready": _not_ready,
    "answer": _command("answer"),
    "hold": _command("hold"),
    "unhold": _command("unhold"),
    "hangup": _command("hangup"),
    "transfer": _transfer,
    "dial_out": _dial_out,
    "wrap_up": _wrap_up,
}
