"""Commands to a gateway that is not connected: POSTed, signed, to its webhook (a real HTTP server in a
thread of the test), tried again on a failure of the webhook's side, and end to end through a worker."""

from __future__ import annotations

import hmac
import logging
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from saas.acd import gateway
from saas.acd.integrations import do_create_gateway_integration
from saas.acd.models import GatewayIntegration
from saas.acd.tasks import RETRIES, post_to_gateway
from saas.asgi import application
from saas.audit.models import AuditEvent
from tenants.models import Client


@dataclass(frozen=True)
class Delivery:
    body: bytes
    signature: str
    content_type: str


@dataclass
class Webhook:
    """A gateway's webhook: records each delivery and answers with the statuses queued in `answers`
    (then 200)."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def wait(self, count: int, timeout: float = 15) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            self.arrived.wait(0.05)
            self.arrived.clear()
        return self.deliveries


def _handler(webhook: Webhook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            webhook.deliveries.append(Delivery(body, self.headers.get("X-Gateway-Signature", ""),
                                               self.headers.get("Content-Type", "")))
            status = webhook.answers.pop(0) if webhook.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            webhook.arrived.set()

        def log_message(self, format, *args):  # quiet: the deliveries are recorded instead
            pass

    return Handler


@pytest.fixture
def make_webhook():
    servers = []

    def make() -> Webhook:
        webhook = Webhook()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(webhook))
        server.daemon_threads = True
        webhook.url = f"http://127.0.0.1:{server.server_address[1]}/acd/commands"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return webhook

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def integration_with(webhook: Webhook | None, **fields) -> GatewayIntegration:
    integration, _ = do_create_gateway_integration(actor=None, name=f"webhook-{uuid.uuid4().hex[:8]}",
                                                   webhook_url=webhook.url if webhook else "", **fields)
    return integration


def signed_by(delivery: Delivery, secret: str) -> bool:
    """The signature checked as a gateway would: the HMAC of "<t>.<body>", with a fresh t."""
    parts = dict(part.split("=", 1) for part in delivery.signature.split(","))
    fresh = abs(time.time() - int(parts["t"])) < 30
    return fresh and hmac.compare_digest(delivery.signature, gateway.signature(secret, delivery.body, int(parts["t"])))


def command(**fields) -> dict:
    return {"id": uuid.uuid4().hex, "type": "route", "call_id": "c-1", "extension": "8001", "ring_seconds": 20,
            **fields}


def test_a_command_goes_signed_to_the_webhook_of_each_active_integration(acme, make_webhook):
    # given: one integration with a webhook, one switched off, one without a webhook
    webhook, other = make_webhook(), make_webhook()
    integration = integration_with(webhook)
    integration_with(other, active=False)
    integration_with(None)
    message = command(caller="王先生")

    # when
    post_to_gateway.apply(args=(acme.schema_name, message))

    # then
    [delivery] = webhook.deliveries
    assert delivery.body == gateway.webhook_body(message) and delivery.content_type == "application/json"
    assert signed_by(delivery, integration.webhook_secret)
    assert not signed_by(delivery, "another secret")
    assert other.deliveries == []


def test_a_webhook_that_fails_on_its_side_gets_the_command_again_and_only_it(acme, make_webhook):
    # given
    failing, working = make_webhook(), make_webhook()
    failing.answers = [503, 502]
    integration_with(failing)
    integration_with(working)
    message = command()

    # when
    result = post_to_gateway.apply(args=(acme.schema_name, message))

    # then
    assert result.successful()
    assert [delivery.body for delivery in failing.deliveries] == [gateway.webhook_body(message)] * 3
    assert len(working.deliveries) == 1


def test_a_webhook_that_keeps_failing_is_given_up_after_a_few_tries(acme, make_webhook):
    # given
    webhook = make_webhook()
    webhook.answers = [500] * 10
    integration_with(webhook)

    # when
    result = post_to_gateway.apply(args=(acme.schema_name, command()))

    # then: the ACD's deadlines take it from there
    assert result.successful() and len(webhook.deliveries) == RETRIES + 1


def test_a_refusal_by_the_webhook_is_not_tried_again(acme, make_webhook):
    # given
    webhook = make_webhook()
    webhook.answers = [401]
    integration_with(webhook)

    # when
    result = post_to_gateway.apply(args=(acme.schema_name, command()))

    # then
    assert result.successful() and len(webhook.deliveries) == 1


def test_an_unreachable_webhook_is_tried_again_and_given_up(acme, caplog):
    # given: an address where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    integration_with(Webhook(url=f"http://127.0.0.1:{port}/acd/commands"))
    message = command()

    # when
    with caplog.at_level(logging.WARNING, logger="saas.acd.tasks"):
        result = post_to_gateway.apply(args=(acme.schema_name, message))

    # then
    assert result.successful()
    assert [record.levelname for record in caplog.records] == ["WARNING"] * (RETRIES + 1) + ["ERROR"]
    assert message["id"] in caplog.records[-1].getMessage()


def test_nothing_is_posted_for_a_tenant_that_is_not_serving(acme, make_webhook):
    # given
    webhook = make_webhook()
    integration_with(webhook)
    Client.objects.filter(pk=acme.pk).update(status=Client.Status.SUSPENDED)

    # when
    post_to_gateway.apply(args=(acme.schema_name, command()))

    # then
    assert webhook.deliveries == []


@pytest.fixture
def acme_webhook(worker, make_webhook):
    """A committed integration of acme whose webhook is a local server, removed afterwards."""
    acme = Client.objects.get(slug="acme")
    webhook = make_webhook()
    with tenant_context(acme):
        integration, key = do_create_gateway_integration(actor=None, name=f"e2e-{uuid.uuid4().hex[:8]}",
                                                         webhook_url=webhook.url)
    yield acme, integration, key, webhook
    with tenant_context(acme):
        GatewayIntegration.objects.filter(pk=integration.pk).delete()
    AuditEvent.objects.filter(tenant=acme, target_type="GatewayIntegration", target_id=str(integration.pk)).delete()


def test_commands_reach_the_socket_while_connected_and_the_webhook_once_it_is_gone(acme_webhook):
    # given
    acme, integration, key, webhook = acme_webhook
    headers = [(b"host", b"acme.localhost"), (b"origin", b"http://acme.localhost"),
               (b"authorization", f"Gateway {key}".encode())]

    def issue(call_id: str) -> dict:
        with tenant_context(acme), transaction.atomic():
            return gateway.command("hangup", call_id=call_id, extension="8001")

    @async_to_sync
    async def connected_then_gone():
        communicator = WebsocketCommunicator(application, "/ws/telephony/gateway/", headers=headers)
        assert (await communicator.connect())[0]
        while_connected = await database_sync_to_async(issue)("c-while-connected")
        heard = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return while_connected, heard

    # when
    while_connected, heard = connected_then_gone()
    after = issue("c-after")

    # then: the socket heard the first; the webhook, signed, the second only
    assert heard == while_connected
    [delivery] = webhook.wait(1)
    assert delivery.body == gateway.webhook_body(after) and signed_by(delivery, integration.webhook_secret)
    time.sleep(0.3)
    assert len(webhook.deliveries) == 1
    connection.set_schema_to_public()
