"""ACD fixtures on acme's schema: a queue open around the clock, its access number routed to it,
agents logged into seats, a helper that sends gateway events as the gateway would, and a connected
gateway that hears the ACD's commands. `live_acme` is acme with committed data (for tests with
threads), cleaned up afterwards."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.utils import timezone

from compliance.models import NumberResource
from saas.accounts.models import User
from saas.acd import clock, notify, services
from saas.acd.gateway import mark_connected, mark_disconnected
from saas.acd.live import store
from saas.acd.models import AgentSession, AgentStateEvent, AgentStatus, Call, CallEvent, Reservation
from saas.acd.telephony import GatewayEvent, do_receive_event
from saas.agents.models import Agent
from saas.audit.models import AuditEvent
from saas.numbers.models import NumberRoute
from saas.queues.models import Queue
from saas.seats.models import Seat
from tenants.models import Client

ACCESS_NUMBER = "4008208820"
_ids = itertools.count(1)


@pytest.fixture
def acme(tenant):
    client = tenant("acme")
    connection.set_tenant(client)
    return client


@pytest.fixture
def supervisor(acme):
    return User.objects.get(username="acme-supervisor")


def new_queue(name: str = "售后热线", **fields) -> Queue:
    """A queue open around the clock, without after-call work unless asked."""
    return Queue.objects.create(name=name, always_open=True, **{"after_call_work_seconds": 0, **fields})


@pytest.fixture
def make_queue(acme):
    return new_queue


@pytest.fixture
def queue(make_queue):
    queue = make_queue()
    number = NumberResource.objects.get(number=ACCESS_NUMBER)
    NumberRoute.objects.update_or_create(number=number, defaults={"queue": queue})
    return queue


def log_in(count: int) -> list[Agent]:
    """That many of acme's agents, each logged into a seat and left not ready."""
    chosen = list(Agent.objects.select_related("user").order_by("employee_number")[:count])
    seats = list(Seat.objects.filter(status=Seat.Status.ACTIVE).order_by("code")[:count])
    assert len(chosen) == len(seats) == count, "acme has fewer agents or active seats"
    for agent, seat in zip(chosen, seats, strict=True):
        services.do_login(agent=agent, actor=agent.user, seat=seat)
    return chosen


def make_ready(chosen: list[Agent]) -> list[Agent]:
    """Ready in the order given: the first one ready longest."""
    for agent in chosen:
        services.do_set_ready(agent=agent, actor=agent.user)
    return chosen


@pytest.fixture
def agents(acme):
    """`agents(3)`: that many of acme's agents, each logged into a seat and left not ready."""
    return log_in


@pytest.fixture
def ready(agents):
    """`ready(3)`: agents logged in and ready, the first one ready longest."""
    return lambda count: make_ready(agents(count))


class Gateway:
    """Sends events as the telephony gateway would, with fresh ids and times that move forward."""

    def __init__(self):
        self.now = timezone.now()

    def send(self, kind: str, call_id: str, *, at: datetime | None = None, event_id: str | None = None, **data):
        if at is None:
            self.now += timedelta(seconds=1)
            at = self.now
        event = GatewayEvent(event_id=event_id or f"ev-{next(_ids)}", type=kind, call_id=call_id, at=at, data=data)
        return do_receive_event(event=event)

    def offer(self, call_id: str | None = None, *, caller: str = "13800138000", number: str = ACCESS_NUMBER, **data):
        call_id = call_id or f"call-{next(_ids)}"
        receipt = self.send("call.offered", call_id, caller=caller, access_number=number, **data)
        assert receipt.outcome == "applied", receipt
        return call_id


@pytest.fixture
def gateway(acme):
    return Gateway()


def state_of(agent: Agent) -> str:
    return AgentStatus.objects.get(agent=agent).state


def extension_of(agent: Agent) -> str:
    return AgentStatus.objects.select_related("session__seat").get(agent=agent).session.seat.extension


class Listener:
    """A real channel of the channel layer in a group, as a desktop's or the gateway's socket is.
    Deliver inside `django_capture_on_commit_callbacks(execute=True)`, then read `.received()`."""

    def __init__(self, group: str):
        self.group = group
        self.layer = get_channel_layer()
        self.channel = f"acd-test.{uuid.uuid4().hex}"
        async_to_sync(self.layer.group_add)(group, self.channel)

    def received(self) -> list[dict]:
        """The messages delivered since the last look, in order."""
        return async_to_sync(self._drain)()

    async def _drain(self) -> list[dict]:
        # channels-redis may hand the last message over again when its event loop ends before that
        # message's clean-up ran (async_to_sync's loop does): the end marker is our own each time.
        end = {"type": "test.end", "token": uuid.uuid4().hex}
        await self.layer.send(self.channel, end)
        messages = []
        while (message := await self.layer.receive(self.channel)) != end:
            if message["type"] != "test.end":
                messages.append(message)
        return messages

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)


class GatewayCommands(Listener):
    """A connected gateway: marked present, so the ACD's commands come to its group, not a webhook."""

    def __init__(self, schema: str):
        super().__init__(notify.gateway_group(schema))
        self.schema = schema
        self.seen: set[str] = set()
        mark_connected(schema, self.channel)

    def received(self) -> list[dict]:
        """The commands delivered since the last look, each once (by its id), in order."""
        commands = []
        for message in super().received():
            if message["command"]["id"] not in self.seen:
                self.seen.add(message["command"]["id"])
                commands.append(message["command"])
        return commands

    def close(self) -> None:
        mark_disconnected(self.schema, self.channel)
        super().close()


@pytest.fixture
def gateway_commands(acme):
    listener = GatewayCommands(acme.schema_name)
    yield listener
    listener.close()


@pytest.fixture
def listen(acme):
    """`listen(group)`: a `Listener` on a channel-layer group of acme, removed afterwards."""
    listeners = []

    def make(group: str) -> Listener:
        listeners.append(Listener(group))
        return listeners[-1]

    yield make
    for listener in listeners:
        listener.close()


# Rows of acme's schema that ACD tests write, deleted after a `live_acme` test in this order.
_WRITTEN = (AgentStateEvent, Reservation, Call, CallEvent, AgentSession)


def _last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def live_acme(committed):
    """acme with committed data, for tests where threads (the clock, many callers) must see it, and a
    connected gateway so commands need no webhook. Afterwards every ACD row written, queue made, route
    changed and audit row recorded is removed, and agents' statuses and sessions are as they were."""
    client = Client.objects.get(slug="acme")
    audit_mark = _last_pk(AuditEvent)
    connection.set_tenant(client)
    marks = {model: _last_pk(model) for model in (*_WRITTEN, Queue)}
    statuses = list(AgentStatus.objects.all())
    open_sessions = list(AgentSession.objects.filter(ended_at__isnull=True))
    routes = list(NumberRoute.objects.all())
    store().delete(clock.KEY)
    listener = GatewayCommands(client.schema_name)
    yield client
    listener.close()
    store().delete(clock.KEY)
    connection.set_tenant(client)
    AgentStatus.objects.exclude(pk__in=[status.pk for status in statuses]).delete()
    for status in statuses:
        status.save()
    for model in _WRITTEN:
        model.objects.filter(pk__gt=marks[model]).delete()
    NumberRoute.objects.exclude(pk__in=[route.pk for route in routes]).delete()
    for row in (*open_sessions, *routes):
        row.save()
    made = Queue.objects.filter(pk__gt=marks[Queue])
    made.update(overflow_queue=None)
    made.delete()
    connection.set_schema_to_public()
    AuditEvent.objects.filter(pk__gt=audit_mark).delete()
