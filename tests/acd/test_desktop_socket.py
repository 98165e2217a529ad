"""The agent desktop's websocket, through the product's ASGI application on the real Redis channel layer.

These tests commit (the consumer reads in its own thread of control): each starts and ends with
every call of acme and bpo finished and every agent logged out, so none depends on another's leftovers.
"""

from __future__ import annotations

import itertools
import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client as WebClient
from django.utils import timezone
from django_tenants.utils import schema_context

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.acd import gateway as gateway_presence
from saas.acd import notify, services
from saas.acd.models import FINISHED, AgentState, AgentStatus, Call, CallStatus
from saas.acd.telephony import GatewayEvent, do_receive_event
from saas.agents.models import Agent
from saas.asgi import application
from saas.demo import DEMO_PASSWORD
from saas.realtime import CLOSE_FORBIDDEN
from saas.seats.models import Seat
from tests.conftest import HOSTS, schema_of

DESKTOP = "/ws/agent/desktop/"
ACCESS_NUMBER = "4008208820"  # acme's demo number, routed to 售后服务 (wrap-up required)
TIMEOUT = 5
_callers = itertools.count(1000)


# --- Set-up -----------------------------------------------------------------------------------------------

def _settle(slug: str) -> None:
    """Finish every call and log every agent out, as the gateway and the agents would."""
    with schema_context(schema_of(slug)):
        for call in Call.objects.exclude(status__in=FINISHED):
            kind = "call.ended" if call.status in (CallStatus.CONNECTED, CallStatus.ON_HOLD) else "call.abandoned"
            _event(kind, call.gateway_call_id, hung_up_by="caller")
        for status in AgentStatus.objects.exclude(state=AgentState.LOGGED_OUT).select_related("agent__user"):
            services.do_logout(agent=status.agent, actor=status.agent.user)


@pytest.fixture
def desk(committed):
    for slug in ("acme", "bpo"):
        _settle(slug)
    yield
    for slug in ("acme", "bpo"):
        _settle(slug)
        gateway_presence.mark_disconnected(schema_of(slug), "desk-test")


def _event(kind: str, call_id: str, **data):
    """A gateway event, in the current schema."""
    return do_receive_event(event=GatewayEvent(event_id=uuid.uuid4().hex, type=kind, call_id=call_id,
                                               at=timezone.now(), data=data))


def _in(slug: str, function, /, *args, **kwargs):
    with schema_context(schema_of(slug)):
        return function(*args, **kwargs)


def in_tenant(slug: str, function, /, *args, **kwargs):
    """Run `function` in the tenant's schema from a test's event loop (awaitable)."""
    return database_sync_to_async(_in)(slug, function, *args, **kwargs)


def _agent(slug: str, username: str) -> Agent:
    return _in(slug, Agent.objects.select_related("user", "default_seat").get, user__username=username)


def _login_as(agent: Agent, seat_code: str | None = None):
    seat = Seat.objects.get(code=seat_code) if seat_code else None
    return services.do_login(agent=agent, actor=agent.user, seat=seat)


def _free_seat_codes(slug: str, count: int) -> list[str]:
    return _in(slug, lambda: list(Seat.objects.filter(status=Seat.Status.ACTIVE).order_by("code")
                                  .values_list("code", flat=True)[:count]))


def _session_cookie(slug: str, username: str) -> str:
    web = WebClient(HTTP_HOST=HOSTS[slug])
    assert web.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return f"sessionid={web.cookies['sessionid'].value}"


def _desktop(slug: str, cookie: str = "") -> WebsocketCommunicator:
    host = HOSTS[slug]
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, DESKTOP, headers=headers)


async def _open(communicator) -> dict:
    connected, code = await communicator.connect(timeout=TIMEOUT)
    assert connected, code
    first = await communicator.receive_json_from(timeout=TIMEOUT)
    assert first["type"] == "state"
    return first


async def _until(communicator, predicate) -> tuple[dict, list[dict]]:
    """The first message that satisfies `predicate`, and every message before it."""
    before = []
    while True:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        if predicate(message):
            return message, before
        before.append(message)


def _state(state: str):
    return lambda message: message["type"] == "state" and message["state"] == state


async def _act(communicator, **message) -> dict:
    """Send an action and return its answer (snapshots pushed meanwhile are skipped)."""
    await communicator.send_json_to(message)
    reply, _ = await _until(communicator, lambda m: m["type"] in ("ok", "error"))
    return reply


# --- Tests ------------------------------------------------------------------------------------------------

def test_the_desktop_sends_the_agents_state_on_connect(desk):
    # given
    agent = _agent("acme", "acme-agent")
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        first = await _open(communicator)
        await communicator.disconnect()
        return first

    # when
    snapshot = scenario()

    # then
    assert snapshot["agent"] == {"id": agent.pk, "employee_number": agent.employee_number, "name": agent.name}
    assert (snapshot["state"], snapshot["session"], snapshot["call"]) == (AgentState.LOGGED_OUT, None, None)
    assert snapshot["seats"] and "break" in [reason["code"] for reason in snapshot["reasons"]]


def test_login_ready_and_not_ready_round_trip(desk):
    # given
    [seat] = _free_seat_codes("acme", 1)
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        await _open(communicator)
        steps = []
        for action, extra, state in (("login", {"seat": seat}, AgentState.NOT_READY),
                                     ("ready", {}, AgentState.READY),
                                     ("not_ready", {"reason": "break"}, AgentState.NOT_READY),
                                     ("logout", {}, AgentState.LOGGED_OUT)):
            reply = await _act(communicator, action=action, **extra)
            snapshot, _ = await _until(communicator, _state(state))
            steps.append((reply, snapshot))
        await communicator.disconnect()
        return steps

    # when
    (login, logged_in), (ready, _), (not_ready, on_break), (logout, logged_out) = scenario()

    # then
    assert [reply for reply in (login, ready, not_ready, logout)] == [
        {"type": "ok", "action": action} for action in ("login", "ready", "not_ready", "logout")]
    assert logged_in["seat"]["code"] == seat and logged_in["session"] and logged_in["seats"] == []
    assert on_break["reason"] == {"code": "break", "name": "小休"}
    assert logged_out["session"] is None and logged_out["seat"] is None


def test_an_offered_call_rings_on_the_desktop_with_caller_province_and_history(desk):
    # given: the caller called before and gave up while nobody was ready
    agent = _agent("acme", "acme-agent")
    caller = f"1380013{next(_callers):04d}"
    _in("acme", _login_as, agent)
    _in("acme", _event, "call.offered", "earlier-" + caller, caller=caller, access_number=ACCESS_NUMBER)
    _in("acme", _event, "call.abandoned", "earlier-" + caller)
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        await _open(communicator)
        await in_tenant("acme", services.do_set_ready, agent=agent, actor=agent.user)
        await _until(communicator, _state(AgentState.READY))
        await in_tenant("acme", _event, "call.offered", "now-" + caller, caller=caller, access_number=ACCESS_NUMBER)
        ringing, _ = await _until(communicator, _state(AgentState.RINGING))
        await communicator.disconnect()
        return ringing

    # when
    ringing = scenario()

    # then
    call = ringing["call"]
    assert (call["id"], call["caller"], call["province"], call["queue"], call["status"]) == (
        "now-" + caller, caller, "北京市", "售后服务", CallStatus.RINGING)
    assert call["wrap_up_required"] and "repair" in [code["code"] for code in call["wrap_up_codes"]]
    assert [(entry["id"], entry["status"], entry["agent"]) for entry in call["history"]] == [
        ("earlier-" + caller, CallStatus.ABANDONED, "")]


def test_a_call_is_answered_through_the_gateway_and_wrapped_up_on_the_desktop(desk):
    # given: a connected gateway, and the agent ringing
    agent = _agent("acme", "acme-agent")
    caller = f"1380013{next(_callers):04d}"
    call_id = "call-" + caller
    gateway_presence.mark_connected(schema_of("acme"), "desk-test")
    session = _in("acme", _login_as, agent)
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))
    layer = get_channel_layer()
    gateway_group = notify.gateway_group(schema_of("acme"))

    @async_to_sync
    async def scenario():
        gateway_channel = await layer.new_channel()
        await layer.group_add(gateway_group, gateway_channel)
        await _open(communicator)
        await in_tenant("acme", services.do_set_ready, agent=agent, actor=agent.user)
        await in_tenant("acme", _event, "call.offered", call_id, caller=caller, access_number=ACCESS_NUMBER)
        await _until(communicator, _state(AgentState.RINGING))
        while (await layer.receive(gateway_channel))["command"]["type"] != "route":
            pass
        answer = await _act(communicator, action="answer")
        command = (await layer.receive(gateway_channel))["command"]
        # The gateway connects the call and says so; later the caller hangs up.
        await in_tenant("acme", _event, "call.answered", call_id, extension=session.seat.extension)
        await _until(communicator, _state(AgentState.ON_CALL))
        noted = await _act(communicator, action="wrap_up", notes="先记一笔")  # during the call: saved, no state change
        while_talking, _ = await _until(communicator, lambda m: m["type"] == "state")
        await in_tenant("acme", _event, "call.ended", call_id, hung_up_by="caller")
        after_call, _ = await _until(communicator, _state(AgentState.AFTER_CALL_WORK))
        foreign = await _act(communicator, action="wrap_up", code="member")  # a code of another queue
        early_ready = await _act(communicator, action="ready")
        done = await _act(communicator, action="wrap_up", code="repair", notes="空调报修", resolved_first_contact=True)
        ready, _ = await _until(communicator, _state(AgentState.READY))
        await layer.group_discard(gateway_group, gateway_channel)
        await communicator.disconnect()
        return answer, command, noted, while_talking, after_call, foreign, early_ready, done, ready

    # when
    answer, command, noted, while_talking, after_call, foreign, early_ready, done, ready = scenario()

    # then
    assert answer == {"type": "ok", "action": "answer"}
    assert noted == {"type": "ok", "action": "wrap_up"}
    assert while_talking["state"] == AgentState.ON_CALL and while_talking["call"]["notes"] == "先记一笔"
    assert (command["type"], command["call_id"], command["extension"]) == ("answer", call_id, session.seat.extension)
    assert after_call["call"]["id"] == call_id and after_call["call"]["status"] == CallStatus.ENDED
    assert after_call["after_call_work_until"]
    assert (foreign["type"], foreign["code"]) == ("error", "wrap_up_code_invalid")
    assert (early_ready["type"], early_ready["code"]) == ("error", "wrap_up_required")
    assert done == {"type": "ok", "action": "wrap_up"}
    assert ready["call"] is None
    reservation = _in("acme", lambda: Call.objects.get(gateway_call_id=call_id).reservations.get())
    assert (reservation.wrap_up_code.code, reservation.notes, reservation.resolved_first_contact) == (
        "repair", "空调报修", True)


def test_transfer_and_dial_out_are_checked_before_the_gateway_hears_of_them(desk):
    # given
    agent = _agent("acme", "acme-agent")
    gateway_presence.mark_connected(schema_of("acme"), "desk-test")
    _in("acme", _login_as, agent)
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))
    layer = get_channel_layer()
    gateway_group = notify.gateway_group(schema_of("acme"))

    @async_to_sync
    async def scenario():
        gateway_channel = await layer.new_channel()
        await layer.group_add(gateway_group, gateway_channel)
        await _open(communicator)
        replies = [
            await _act(communicator, action="transfer", mode="blind"),
            await _act(communicator, action="transfer", mode="sideways", to_queue="售后服务"),
            await _act(communicator, action="transfer", mode="blind", to_queue="售后服务", to_extension="8002"),
            await _act(communicator, action="transfer", mode="blind", to_queue="没有这个队列"),
            await _act(communicator, action="dial_out", number="12345"),
            await _act(communicator, action="dial_out", number="+12025550100"),
            await _act(communicator, action="transfer", mode="attended", to_queue="售后服务"),  # not on a call
            await _act(communicator, action="dial_out", number="021 6123 4567"),
        ]
        command = (await layer.receive(gateway_channel))["command"]
        await layer.group_discard(gateway_group, gateway_channel)
        await communicator.disconnect()
        return replies, command

    # when
    replies, command = scenario()

    # then
    assert [reply.get("code", reply["type"]) for reply in replies] == [
        "invalid", "invalid", "invalid", "transfer_queue_unknown", "invalid", "invalid", "agent_state_conflict", "ok"]
    assert (command["type"], command["number"]) == ("dial_out", "02161234567")


def test_a_refused_or_malformed_action_is_answered_with_an_error_code(desk):
    # given: a logged-out agent
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        await _open(communicator)
        replies = [await _act(communicator, action="ready"),
                   await _act(communicator, action="not_ready", reason="missed"),
                   await _act(communicator, action="login", seat="NO-SUCH-SEAT"),
                   await _act(communicator, action="fly")]
        await communicator.send_to(text_data="{not json")
        replies.append(await communicator.receive_json_from(timeout=TIMEOUT))
        await communicator.send_to(text_data=json.dumps(["ready"]))
        replies.append(await communicator.receive_json_from(timeout=TIMEOUT))
        await communicator.disconnect()
        return replies

    # when
    replies = scenario()

    # then
    assert [(reply["type"], reply["action"], reply["code"]) for reply in replies] == [
        ("error", "ready", "agent_state_conflict"),
        ("error", "not_ready", "reason_not_selectable"),
        ("error", "login", "seat_not_found"),
        ("error", "fly", "invalid"),
        ("error", None, "invalid"),
        ("error", None, "invalid"),
    ]
    assert all(reply["message"] for reply in replies)


@pytest.mark.parametrize(("language", "message"), [("", "部分字段填写有误。"), ("en", "Some fields are not valid.")])
def test_error_messages_follow_the_pages_language(desk, language, message):
    # given: Chinese unless the page's language switch chose English
    cookie = _session_cookie("acme", "acme-agent") + (f"; django_language={language}" if language else "")
    communicator = _desktop("acme", cookie)

    @async_to_sync
    async def scenario():
        await _open(communicator)
        reply = await _act(communicator, action="not_ready")  # no reason
        await communicator.disconnect()
        return reply

    # when
    reply = scenario()

    # then
    assert (reply["code"], reply["message"]) == ("invalid", message)


@pytest.fixture
def agent_user_without_profile(desk):
    with schema_context(schema_of("acme")):
        user = User.objects.create_user(username="desk-no-profile", password=DEMO_PASSWORD, role=Role.AGENT)
    yield user.username
    with schema_context(schema_of("acme")):
        user.delete()


@pytest.mark.parametrize(
    ("slug", "username"),
    [
        ("acme", None),  # anonymous
        ("acme", "acme-supervisor"),
        ("acme", "acme-admin"),
        ("bpo", "bpo-agent"),  # a bpo agent's session, presented on acme's host
    ],
)
def test_only_an_agent_of_this_tenant_may_open_the_desktop(desk, slug, username):
    # given
    cookie = _session_cookie(slug, username) if username else ""

    @async_to_sync
    async def connect():
        connected, code = await _desktop("acme", cookie).connect(timeout=TIMEOUT)
        return connected, code

    # when
    connected, code = connect()

    # then
    assert not connected and code == CLOSE_FORBIDDEN


def test_a_user_with_the_agent_role_but_no_agent_profile_cannot_open_the_desktop(agent_user_without_profile):
    # given
    cookie = _session_cookie("acme", agent_user_without_profile)

    @async_to_sync
    async def connect():
        return await _desktop("acme", cookie).connect(timeout=TIMEOUT)

    # when
    connected, code = connect()

    # then
    assert not connected and code == CLOSE_FORBIDDEN


def test_an_acme_agent_never_hears_of_a_bpo_agents_changes(desk):
    # given: both tenants' agents watch their desktops (they may well have the same id in their schemas)
    bpo_agent = _agent("bpo", "bpo-agent")
    acme_desktop = _desktop("acme", _session_cookie("acme", "acme-agent"))
    bpo_desktop = _desktop("bpo", _session_cookie("bpo", "bpo-agent"))

    @async_to_sync
    async def scenario():
        await _open(acme_desktop)
        await _open(bpo_desktop)
        await in_tenant("bpo", _login_as, bpo_agent)
        bpo_heard, _ = await _until(bpo_desktop, _state(AgentState.NOT_READY))
        acme_heard_nothing = await acme_desktop.receive_nothing(timeout=1)
        await acme_desktop.disconnect()
        await bpo_desktop.disconnect()
        return bpo_heard, acme_heard_nothing

    # when
    bpo_heard, acme_heard_nothing = scenario()

    # then
    assert bpo_heard["agent"]["id"] == bpo_agent.pk
    assert acme_heard_nothing


def test_after_a_reconnect_the_desktop_shows_the_true_state(desk):
    # given: the desktop logs in, then loses its connection; meanwhile the agent becomes ready elsewhere
    agent = _agent("acme", "acme-agent")
    cookie = _session_cookie("acme", "acme-agent")

    @async_to_sync
    async def scenario():
        first = _desktop("acme", cookie)
        await _open(first)
        await _act(first, action="login")
        await first.disconnect()
        await in_tenant("acme", services.do_set_ready, agent=agent, actor=agent.user)
        again = _desktop("acme", cookie)
        snapshot = await _open(again)
        await again.disconnect()
        return snapshot

    # when
    snapshot = scenario()

    # then
    assert snapshot["state"] == AgentState.READY and snapshot["seat"] is not None


def test_a_login_elsewhere_ends_the_first_desktops_session_once(desk):
    # given: the agent is logged in on one desktop and opens another
    [first_seat, second_seat] = _free_seat_codes("acme", 2)
    first = _desktop("acme", _session_cookie("acme", "acme-agent"))
    second = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        await _open(first)
        await _act(first, action="login", seat=first_seat)
        await _until(first, _state(AgentState.NOT_READY))
        await _open(second)
        second_login = await _act(second, action="login", seat=second_seat)
        ended, before = await _until(first, lambda m: m["type"] == "session_ended")
        await _act(second, action="ready")
        _, between = await _until(first, _state(AgentState.READY))
        second_heard, _ = await _until(second, _state(AgentState.READY))
        await first.disconnect()
        await second.disconnect()
        return second_login, ended, before, between, second_heard

    # when
    second_login, ended, before, between, second_heard = scenario()

    # then: the first desktop hears where the agent is now, then that its session is over, once
    assert second_login == {"type": "ok", "action": "login"}
    assert ended == {"type": "session_ended", "reason": "elsewhere"}
    assert before[-1]["type"] == "state" and before[-1]["seat"]["code"] == second_seat
    assert not [message for message in between if message["type"] == "session_ended"]
    assert second_heard["seat"]["code"] == second_seat


def test_a_supervisor_logging_the_agent_out_ends_the_desktops_session(desk):
    # given
    agent = _agent("acme", "acme-agent")
    supervisor = _in("acme", User.objects.get, username="acme-supervisor")
    communicator = _desktop("acme", _session_cookie("acme", "acme-agent"))

    @async_to_sync
    async def scenario():
        await _open(communicator)
        await _act(communicator, action="login")
        await in_tenant("acme", services.do_force_logout, agent=agent, actor=supervisor)
        ended, before = await _until(communicator, lambda m: m["type"] == "session_ended")
        await communicator.disconnect()
        return ended, before[-1]

    # when
    ended, last_state = scenario()

    # then
    assert ended == {"type": "session_ended", "reason": "supervisor"}
    assert last_state["state"] == AgentState.LOGGED_OUT and last_state["seats"]
