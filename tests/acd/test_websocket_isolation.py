"""Every tenant websocket route, read from saas.routing itself: who may connect, on which host.

A route added without an entry in ADMITTED fails here, so no socket ships without its isolation test.
"""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from saas.asgi import application
from saas.realtime import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND
from saas.routing import tenant_routes
from tests.conftest import HOSTS, USERS
from tests.tenants.test_realtime import _communicator, _session_cookie

# Which human roles each tenant route admits (the gateway's socket admits none: it takes a gateway key).
ADMITTED = {
    "ws/agent/desktop/": {"agent"},
    "ws/supervisor/wallboard/": {"supervisor", "tenant_admin"},
    "ws/telephony/gateway/": set(),
}
ROLES = ("tenant_admin", "supervisor", "agent")
PATHS = ["/" + str(route.pattern) for route in tenant_routes]


@async_to_sync
async def _outcome(communicator) -> int | str:
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
        return "accepted"
    return code


def test_every_tenant_route_has_its_admitted_roles_listed():
    assert {path.strip("/") + "/" for path in PATHS} == set(ADMITTED)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_admitted_only_where_it_belongs(committed, path, role):
    # given
    cookie = _session_cookie(HOSTS["acme"], USERS["acme", role])

    # when
    outcome = _outcome(_communicator(HOSTS["acme"], path, cookie))

    # then
    expected = "accepted" if role in ADMITTED[path.strip("/") + "/"] else CLOSE_FORBIDDEN
    assert outcome == expected


@pytest.mark.parametrize("path", PATHS)
def test_a_bpo_session_is_nobody_on_acmes_host(committed, path):
    # given: bpo's users are in bpo's schema; their session cookie means nothing on acme's host
    cookies = [_session_cookie(HOSTS["bpo"], USERS["bpo", role]) for role in ROLES]

    # when
    outcomes = {_outcome(_communicator(HOSTS["acme"], path, cookie)) for cookie in cookies}

    # then
    assert outcomes == {CLOSE_FORBIDDEN}


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_callers_are_refused(committed, path):
    assert _outcome(_communicator(HOSTS["acme"], path)) == CLOSE_FORBIDDEN


@pytest.mark.parametrize("path", PATHS)
def test_tenant_routes_do_not_exist_on_the_platform_host(committed, path):
    cookie = _session_cookie(HOSTS["platform"], USERS["platform", "platform_admin"])
    assert _outcome(_communicator(HOSTS["platform"], path, cookie)) == CLOSE_NOT_FOUND


@pytest.mark.parametrize("path", [path for path in PATHS if ADMITTED[path.strip("/") + "/"]])
def test_browser_sockets_refuse_a_page_from_elsewhere(committed, path):
    # given: an admitted user's cookie, sent by a page of another site
    role = sorted(ADMITTED[path.strip("/") + "/"])[0]
    cookie = _session_cookie(HOSTS["acme"], USERS["acme", role])
    headers = [(b"host", HOSTS["acme"].encode()), (b"origin", b"http://evil.example"), (b"cookie", cookie.encode())]

    # when
    outcome = _outcome(WebsocketCommunicator(application, path, headers=headers))

    # then
    assert outcome != "accepted"
