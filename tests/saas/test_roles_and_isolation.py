"""Roles on every endpoint, and no token or session of one host accepted on another.

Generated from the URL list (tests/endpoints.py): adding an endpoint adds its cases here.
"""

import pytest

from saas.api.permissions import Roles
from tests.conftest import USERS
from tests.endpoints import api_endpoints

ENDPOINTS = api_endpoints()
PROTECTED = [endpoint for endpoint in ENDPOINTS if not endpoint.public]


def test_the_url_list_is_read():
    assert {"/api/v1/tenants/", "/api/v1/users/", "/api/v1/me/"} <= {endpoint.path for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_every_api_view_declares_its_roles(endpoint):
    assert endpoint.public or isinstance(getattr(endpoint.view_class, "roles", None), Roles), (
        f"{endpoint} must declare `roles = Roles(...)` or `roles = PUBLIC`"
    )


def _role_cases():
    for endpoint in PROTECTED:
        tenants = ["platform"] if endpoint.host_kind == "platform" else ["acme"]
        for slug in tenants:
            for (owner, role), _username in USERS.items():
                if owner == slug:
                    for method in endpoint.methods:
                        yield pytest.param(endpoint, slug, role, method, id=f"{endpoint}-{role}-{method}")


@pytest.mark.parametrize(("endpoint", "slug", "role", "method"), list(_role_cases()))
def test_each_role_gets_exactly_what_the_endpoint_declares(api, endpoint, slug, role, method):
    # given
    client = api(slug, role)

    # when
    response = getattr(client, method)(endpoint.path, {}, format="json")

    # then
    allowed = endpoint.view_class.roles.admits(role, method.upper())
    if allowed:
        assert response.status_code != 403, response.content
    else:
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def _foreign_token_cases():
    for endpoint in PROTECTED:
        if endpoint.host_kind == "platform":
            yield pytest.param(endpoint, "platform", ("acme", "tenant_admin"), id=f"{endpoint}-acme-token")
        else:
            yield pytest.param(endpoint, "acme", ("bpo", "tenant_admin"), id=f"{endpoint}-bpo-token")
            yield pytest.param(endpoint, "acme", ("platform", "platform_admin"), id=f"{endpoint}-platform-token")


@pytest.mark.parametrize(("endpoint", "host", "token_of"), list(_foreign_token_cases()))
def test_a_token_from_another_host_is_refused_on_every_endpoint(api, endpoint, host, token_of):
    # when
    responses = [getattr(api(host, token_of=token_of), method)(endpoint.path, {}, format="json")
                 for method in endpoint.methods]

    # then
    for response in responses:
        assert response.status_code == 401, (endpoint, response.status_code)
        assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize("endpoint", [e for e in PROTECTED if e.host_kind == "tenant"], ids=str)
def test_a_session_from_another_tenant_is_not_a_login_here(web, endpoint):
    # given: a session made on bpo's host, its cookie replayed against acme's
    session_key = web("bpo", "tenant_admin").cookies["sessionid"].value
    client = web("acme")
    client.cookies["sessionid"] = session_key

    # when
    responses = [getattr(client, method)(endpoint.path) for method in endpoint.methods]

    # then
    for response in responses:
        assert response.status_code in (401, 403)
        assert response.json()["error"]["code"] == "not_authenticated"
