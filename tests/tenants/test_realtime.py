"""The platform console's live tenant feed over websockets, on the real Redis channel layer."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as WebClient

from saas.asgi import application
from saas.demo import DEMO_PASSWORD
from saas.realtime import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from tenants.models import Client
from tenants.services import do_provision_tenant, do_request_tenant
from tests.conftest import make_uscc

FEED = "/ws/platform/tenants/"


def _session_cookie(host: str, username: str) -> str:
    web = WebClient(HTTP_HOST=host)
    assert web.post("/login/", {"username": username, "password": DEMO_PASSWORD}).status_code == 302
    return f"sessionid={web.cookies['sessionid'].value}"


def _communicator(host: str, path: str = FEED, cookie: str = "") -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@async_to_sync
async def _connect(communicator):
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected, code


def test_a_platform_admin_sees_a_tenant_become_active(committed, new_slug):
    # given
    communicator = _communicator("localhost", cookie=_session_cookie("localhost", "admin"))
    client = do_request_tenant(actor=None, slug=new_slug(), legal_name="实时测试有限公司", uscc=make_uscc(),
                               business_type=Client.BusinessType.SELF_USE)

    @async_to_sync
    async def provision_and_listen():
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(do_provision_tenant)(client_id=client.pk)
        message = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return message

    # when
    message = provision_and_listen()

    # then
    assert message["slug"] == client.slug and message["status"] == "active" and message["ready"] is True


@pytest.mark.parametrize(
    ("host", "path", "username", "expected"),
    [
        ("localhost", FEED, None, CLOSE_FORBIDDEN),  # anonymous
        ("localhost", FEED, "finance", True),  # any platform role may watch
        ("acme.localhost", FEED, "acme-admin", CLOSE_NOT_FOUND),  # not a tenant-host route
        ("ghost.localhost", FEED, None, CLOSE_NOT_FOUND),  # unknown host
        ("localhost", "/ws/nothing-here/", "admin", CLOSE_NOT_FOUND),
    ],
)
def test_who_may_open_the_feed(committed, host, path, username, expected):
    # given
    cookie = _session_cookie(host, username) if username else ""

    # when
    connected, code = _connect(_communicator(host, path, cookie))

    # then
    assert connected is True if expected is True else code == expected


def test_an_acme_session_cookie_is_anonymous_on_the_platform_host(committed):
    # given: acme-admin's session, presented to the platform host
    cookie = _session_cookie("acme.localhost", "acme-admin")

    # when
    connected, code = _connect(_communicator("localhost", FEED, cookie))

    # then
    assert not connected and code == CLOSE_FORBIDDEN
