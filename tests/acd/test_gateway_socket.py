"""The telephony gateway's websocket on the real channel layer: events in, receipts and commands out,
presence, and one tenant's gateway never hearing another's commands."""

import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from saas.acd import gateway
from saas.acd.integrations import do_create_gateway_integration, do_rotate_gateway_token
from saas.acd.models import Call, GatewayIntegration
from saas.asgi import application
from saas.audit.models import AuditEvent
from saas.realtime import CLOSE_FORBIDDEN
from tenants.models import Client
from tests.conftest import HOSTS, issue_token
from tests.tenants.test_realtime import _session_cookie

from .conftest import ACCESS_NUMBER

PATH = "/ws/telephony/gateway/"


@pytest.fixture
def gateways(committed):
    """A committed gateway integration in acme and in bpo: {slug: (client, integration, key)}."""
    made = {}
    for slug in ("acme", "bpo"):
        client = Client.objects.get(slug=slug)
        with tenant_context(client):
            integration, key = do_create_gateway_integration(actor=None, name=f"socket-{uuid.uuid4().hex[:8]}")
        made[slug] = (client, integration, key)
    yield made
    for client, integration, _ in made.values():
        with tenant_context(client):
            GatewayIntegration.objects.filter(pk=integration.pk).delete()
        AuditEvent.objects.filter(tenant=client, target_type="GatewayIntegration",
                                  target_id=str(integration.pk)).delete()


def socket(slug: str, authorization: str = "", cookie: str = "") -> WebsocketCommunicator:
    # A gateway is no browser: it sends no Origin header.
    headers = [(b"host", HOSTS[slug].encode())]
    if authorization:
        headers.append((b"authorization", authorization.encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, PATH, headers=headers)


def event(kind: str, call_id: str, **fields) -> dict:
    return {"event_id": uuid.uuid4().hex, "type": kind, "call_id": call_id, "at": timezone.now().isoformat(),
            **fields}


async def exchange(communicator: WebsocketCommunicator, message: dict | str) -> dict:
    await communicator.send_to(text_data=message if isinstance(message, str) else json.dumps(message))
    return await communicator.receive_json_from(timeout=5)


def test_events_go_in_and_receipts_come_out(live_acme, gateways):
    # given
    _, _, key = gateways["acme"]
    call_id = f"ws-{uuid.uuid4().hex}"
    offered = event("call.offered", call_id, caller="13800138000", access_number=ACCESS_NUMBER)

    @async_to_sync
    async def talk():
        communicator = socket("acme", f"Gateway {key}")
        assert (await communicator.connect())[0]
        answers = [
            await exchange(communicator, offered),
            await exchange(communicator, offered),  # sent again
            await exchange(communicator, event("call.held", call_id, extension="8001")),  # nobody answered it
            await exchange(communicator, event("call.ended", f"ws-{uuid.uuid4().hex}", hung_up_by="caller")),
            await exchange(communicator, {**event("call.offered", call_id), "priority": 12}),
            await exchange(communicator, "{not json"),
            await exchange(communicator, {"type": "ping"}),
        ]
        await communicator.disconnect()
        return answers

    # when
    applied, duplicate, refused, pending, invalid, not_json, pong = talk()

    # then
    assert applied == {"type": "receipt", "event_id": offered["event_id"], "outcome": "applied", "code": ""}
    assert duplicate["outcome"] == "duplicate"
    assert (refused["outcome"], refused["code"]) == ("refused", "call_not_connected")
    assert pending["outcome"] == "pending"
    assert invalid["type"] == "error" and invalid["code"] == "invalid"
    assert set(invalid["details"]) == {"priority"} and invalid["event_id"]
    assert not_json["type"] == "error" and not_json["code"] == "invalid" and "json" in not_json["details"]
    assert pong == {"type": "pong"}
    assert Call.objects.get(gateway_call_id=call_id).queue.name == "售后服务"


@pytest.mark.parametrize("who", ["nobody", "bpo key", "unknown key", "acme admin's token", "acme admin's session"])
def test_only_a_key_of_this_tenant_opens_the_socket(gateways, who):
    # given
    authorization, cookie = {
        "nobody": lambda: ("", ""),
        "bpo key": lambda: (f"Gateway {gateways['bpo'][2]}", ""),
        "unknown key": lambda: ("Gateway no-such-key", ""),
        "acme admin's token": lambda: (f"Bearer {issue_token('acme', 'acme-admin')}", ""),
        "acme admin's session": lambda: ("", _session_cookie("acme.localhost", "acme-admin")),
    }[who]()

    @async_to_sync
    async def connect():
        return await socket("acme", authorization, cookie).connect()

    # when
    connected, code = connect()

    # then
    assert not connected and code == CLOSE_FORBIDDEN


def test_commands_of_acme_never_reach_bpos_gateway(gateways):
    # given: both tenants' gateways connected at once
    acme, _, acme_key = gateways["acme"]
    bpo, _, bpo_key = gateways["bpo"]

    def issue(client: Client, call_id: str) -> dict:
        with tenant_context(client), transaction.atomic():
            return gateway.command("hangup", call_id=call_id, extension="8001")

    @async_to_sync
    async def both_connected():
        acme_socket, bpo_socket = socket("acme", f"Gateway {acme_key}"), socket("bpo", f"Gateway {bpo_key}")
        assert (await acme_socket.connect())[0] and (await bpo_socket.connect())[0]
        for_acme = await database_sync_to_async(issue)(acme, "acme-call")
        for_bpo = await database_sync_to_async(issue)(bpo, "bpo-call")
        heard = {"acme": await acme_socket.receive_json_from(timeout=5),
                 "bpo": await bpo_socket.receive_json_from(timeout=5)}
        silent = await acme_socket.receive_nothing(timeout=0.3) and await bpo_socket.receive_nothing(timeout=0.3)
        await acme_socket.disconnect()
        await bpo_socket.disconnect()
        return for_acme, for_bpo, heard, silent

    # when
    for_acme, for_bpo, heard, silent = both_connected()

    # then: each hears its own command, once, and nothing else
    assert heard == {"acme": for_acme, "bpo": for_bpo} and silent
    assert for_acme["call_id"] == "acme-call" and for_acme["type"] == "hangup" and for_acme["id"]


def test_a_connected_gateway_is_present_until_it_disconnects(gateways):
    # given
    acme, integration, key = gateways["acme"]

    @async_to_sync
    async def connect_then_leave():
        communicator = socket("acme", f"Gateway {key}")
        assert (await communicator.connect())[0]
        during = gateway.connected(acme.schema_name), gateway.connected(gateways["bpo"][0].schema_name)
        await communicator.disconnect()
        return during

    # when
    acme_during, bpo_during = connect_then_leave()

    # then
    assert acme_during is True and bpo_during is False
    assert gateway.connected(acme.schema_name) is False
    with tenant_context(acme):
        assert GatewayIntegration.objects.get(pk=integration.pk).last_seen_at is not None


def test_a_lapsed_heartbeat_counts_as_gone_until_the_next_ping(gateways, monkeypatch):
    # given: presence that lapses at once
    acme, _, key = gateways["acme"]
    monkeypatch.setattr(gateway, "PRESENCE_SECONDS", -1)

    @async_to_sync
    async def lapse_then_ping():
        communicator = socket("acme", f"Gateway {key}")
        assert (await communicator.connect())[0]
        lapsed = gateway.connected(acme.schema_name)
        monkeypatch.setattr(gateway, "PRESENCE_SECONDS", 60)
        pong = await exchange(communicator, {"type": "ping"})
        back = gateway.connected(acme.schema_name)
        await communicator.disconnect()
        return lapsed, pong, back

    # when
    lapsed, pong, back = lapse_then_ping()

    # then
    assert (lapsed, pong, back) == (False, {"type": "pong"}, True)


def test_rotating_the_key_closes_the_socket_opened_with_the_old_one(gateways):
    # given
    acme, integration, key = gateways["acme"]

    def rotate():
        with tenant_context(acme):
            do_rotate_gateway_token(actor=None, integration=GatewayIntegration.objects.get(pk=integration.pk))

    @async_to_sync
    async def connect_then_rotate():
        communicator = socket("acme", f"Gateway {key}")
        assert (await communicator.connect())[0]
        await database_sync_to_async(rotate)()
        closed = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return closed

    # when
    closed = connect_then_rotate()

    # then
    assert closed == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}
