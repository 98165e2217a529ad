"""The wallboard websocket on the real Redis channel layer: snapshots, changes within a second, the
supervisor's actions, who may connect, and one tenant's wallboard deaf to another's changes.

The consumer reads in its own thread, so these tests commit (`committed`); each logs its agents out
and ends its calls afterwards, and none depends on what an earlier test left.
"""

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection

from saas.acd import services
from saas.acd.models import AgentState, AgentStatus
from saas.agents.models import Agent, ReasonCode
from saas.api.errors import Conflict
from saas.realtime import CLOSE_FORBIDDEN
from tenants.models import Client
from tests.tenants.test_realtime import _communicator, _session_cookie

from .conftest import Gateway

WALLBOARD = "/ws/supervisor/wallboard/"
ACME = "acme.localhost"


@pytest.fixture
def on_shift(committed):
    """`on_shift("acme", 2)`: that many agents of the tenant logged in (not ready), in that tenant's
    schema; logged out again, with their calls ended, after the test."""
    logged_in, gateways = [], []

    def make(slug: str, count: int) -> list[Agent]:
        connection.set_tenant(Client.objects.get(slug=slug))
        busy = AgentStatus.objects.exclude(state=AgentState.LOGGED_OUT).values("agent_id")
        chosen = list(Agent.objects.select_related("user").exclude(pk__in=busy).order_by("employee_number")[:count])
        for agent in chosen:
            services.do_login(agent=agent, actor=agent.user)
        logged_in.extend((slug, agent) for agent in chosen)
        return chosen

    def gateway() -> RecordingGateway:
        gateways.append(RecordingGateway())
        return gateways[-1]

    make.gateway = gateway
    yield make
    connection.set_tenant(Client.objects.get(slug="acme"))
    for sent in gateways:
        for call_id in sent.calls:
            sent.send("call.ended", call_id, hung_up_by="caller")  # refused, harmlessly, if it has ended
    for slug, agent in logged_in:
        connection.set_tenant(Client.objects.get(slug=slug))
        with contextlib.suppress(Conflict):  # the test itself may have logged them out
            services.do_logout(agent=agent, actor=agent.user)


class RecordingGateway(Gateway):
    """The ACD tests' gateway (acme's), remembering its calls so that `on_shift` can end them."""

    def __init__(self):
        super().__init__()
        self.calls: list[str] = []

    def offer(self, *args, **kwargs) -> str:
        self.calls.append(super().offer(*args, **kwargs))
        return self.calls[-1]


def _wallboard(username: str = "acme-supervisor", host: str = ACME):
    return _communicator(host, WALLBOARD, _session_cookie(host, username))


async def _next(communicator, kind: str = "wallboard", timeout: float = 2) -> dict:
    """The next message of that type (snapshots and replies interleave)."""
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


def _row(snapshot: dict, agent: Agent) -> dict | None:
    return next((row for row in snapshot["agents"] if row["id"] == agent.pk), None)


def test_a_supervisor_gets_the_snapshot_on_connect(on_shift):
    # given
    [agent] = on_shift("acme", 1)
    communicator = _wallboard()

    @async_to_sync
    async def connect_and_read():
        connected, _ = await communicator.connect()
        assert connected
        message = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()
        return message

    # when
    snapshot = connect_and_read()

    # then
    assert snapshot["type"] == "wallboard"
    assert "售后服务" in {queue["name"] for queue in snapshot["queues"]}
    assert _row(snapshot, agent)["state"] == "not_ready"


def test_an_agent_going_ready_reaches_the_wallboard_within_a_second(on_shift):
    # given
    [agent] = on_shift("acme", 1)
    communicator = _wallboard()

    @async_to_sync
    async def change_and_watch():
        await communicator.connect()
        await _next(communicator)
        loop = asyncio.get_running_loop()
        started = loop.time()
        await database_sync_to_async(services.do_set_ready)(agent=agent, actor=agent.user)
        while _row(snapshot := await _next(communicator, timeout=1), agent)["state"] != "ready":
            pass
        elapsed = loop.time() - started
        await communicator.disconnect()
        return snapshot, elapsed

    # when
    snapshot, elapsed = change_and_watch()

    # then
    assert elapsed < 1, elapsed
    assert _row(snapshot, agent)["reason"] is None


def test_a_burst_of_changes_makes_few_snapshots(on_shift):
    # given: three agents, each made ready then not ready — six changes in quick succession
    chosen = on_shift("acme", 3)
    break_ = ReasonCode.objects.get(code="break")
    communicator = _wallboard()

    def burst():
        for agent in chosen:
            services.do_set_ready(agent=agent, actor=agent.user)
            services.do_set_not_ready(agent=agent, actor=agent.user, reason=break_)

    @async_to_sync
    async def count_snapshots():
        await communicator.connect()
        await _next(communicator)
        await database_sync_to_async(burst)()
        snapshots = []
        while not await communicator.receive_nothing(timeout=0.6):
            snapshots.append(await communicator.receive_json_from())
        await communicator.disconnect()
        return snapshots

    # when
    snapshots = count_snapshots()

    # then: far fewer snapshots than changes, and the last one shows where everyone ended
    assert 1 <= len(snapshots) < 6
    assert all(_row(snapshots[-1], agent)["reason"] == "小休" for agent in chosen)


def test_the_wallboard_refreshes_without_any_change(committed, monkeypatch):
    # given: a refresh every 0.3 s instead of 5, for the test's sake
    monkeypatch.setattr("saas.acd.consumers.wallboard.REFRESH_SECONDS", 0.3)
    communicator = _wallboard()

    @async_to_sync
    async def two_snapshots():
        await communicator.connect()
        first = await _next(communicator)
        second = await _next(communicator, timeout=1)
        await communicator.disconnect()
        return first, second

    # when
    first, second = two_snapshots()

    # then: the second is a newer reading
    assert second["at"] > first["at"]


def test_force_not_ready_through_the_socket(on_shift):
    # given
    [agent] = on_shift("acme", 1)
    services.do_set_ready(agent=agent, actor=agent.user)
    communicator = _wallboard()

    @async_to_sync
    async def force():
        await communicator.connect()
        await _next(communicator)
        await communicator.send_json_to({"action": "force_not_ready", "agent": agent.pk})
        reply = await _next(communicator, "ok")
        while _row(snapshot := await _next(communicator), agent)["state"] != "not_ready":
            pass
        await communicator.disconnect()
        return reply, snapshot

    # when
    reply, snapshot = force()

    # then
    assert reply == {"type": "ok", "action": "force_not_ready", "agent": agent.pk}
    status = AgentStatus.objects.select_related("reason").get(agent=agent)
    assert (status.state, status.reason.code) == (AgentState.NOT_READY, "supervisor")
    assert _row(snapshot, agent)["reason"] == status.reason.name


def test_a_forced_not_ready_during_a_call_waits_for_the_call_to_end(on_shift):
    # given: an agent on a call of the demo's after-sales line
    [agent] = on_shift("acme", 1)
    services.do_set_ready(agent=agent, actor=agent.user)
    gateway = on_shift.gateway()
    call_id = gateway.offer()
    extension = AgentStatus.objects.select_related("session__seat").get(agent=agent).session.seat.extension
    gateway.send("call.answered", call_id, extension=extension)
    communicator = _wallboard()

    @async_to_sync
    async def force():
        await communicator.connect()
        await _next(communicator)
        await communicator.send_json_to({"action": "force_not_ready", "agent": agent.pk})
        reply = await _next(communicator, "ok")
        await communicator.disconnect()
        return reply

    # when
    reply = force()

    # then
    assert reply["type"] == "ok"
    status = AgentStatus.objects.select_related("pending_reason").get(agent=agent)
    assert status.state == AgentState.ON_CALL and status.pending_reason.code == "supervisor"


def test_refused_actions_are_answered_and_the_socket_stays_open(on_shift):
    # given: an agent logged in, then out
    [agent] = on_shift("acme", 1)
    services.do_logout(agent=agent, actor=agent.user)
    communicator = _wallboard()

    @async_to_sync
    async def act():
        await communicator.connect()
        await _next(communicator)
        replies = []
        for message in ({"action": "force_not_ready", "agent": agent.pk}, {"action": "force_logout", "agent": 999999},
                        {"action": "force_logout", "agent": "x"}, {"action": "dance"}):
            await communicator.send_json_to(message)
            replies.append(await _next(communicator, "error"))
        await communicator.send_to(text_data="not json")
        replies.append(await _next(communicator, "error"))
        await communicator.disconnect()
        return replies

    # when
    replies = act()

    # then
    assert [reply["code"] for reply in replies] == ["agent_logged_out", "not_found", "invalid", "invalid", "invalid"]
    assert replies[0]["action"] == "force_not_ready" and replies[0]["message"]


@pytest.mark.parametrize(
    ("username", "host", "expected"),
    [
        (None, ACME, CLOSE_FORBIDDEN),  # anonymous
        ("acme-agent", ACME, CLOSE_FORBIDDEN),
        ("acme-supervisor", ACME, True),
        ("acme-admin", ACME, True),
    ],
)
def test_who_may_open_the_wallboard(committed, username, host, expected):
    # given
    communicator = _communicator(host, WALLBOARD, _session_cookie(host, username) if username else "")

    @async_to_sync
    async def connect():
        connected, code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected, code

    # when
    connected, code = connect()

    # then
    assert connected is True if expected is True else (not connected and code == expected)


def test_a_bpo_supervisors_session_does_not_open_acmes_wallboard(committed):
    # given: bpo-supervisor's session cookie, presented to acme's host
    cookie = _session_cookie("bpo.localhost", "bpo-supervisor")

    @async_to_sync
    async def connect():
        return await _communicator(ACME, WALLBOARD, cookie).connect()

    # when
    connected, code = connect()

    # then
    assert not connected and code == CLOSE_FORBIDDEN


def test_acmes_wallboard_never_hears_bpos_changes(on_shift):
    # given
    communicator = _wallboard()

    @async_to_sync
    async def watch_while_bpo_changes():
        await communicator.connect()
        await _next(communicator)
        await database_sync_to_async(on_shift)("bpo", 1)
        heard = not await communicator.receive_nothing(timeout=1)
        await communicator.disconnect()
        return heard

    # when
    heard = watch_while_bpo_changes()

    # then: nothing within a second (acme's own changes arrive within one, and a refresh takes five)
    assert heard is False
