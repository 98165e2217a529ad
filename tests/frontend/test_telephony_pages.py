"""The telephony gateway page: integrations listed, created with their key shown once, rotated and
edited by client admins, read by supervisors, and whether a gateway is connected now."""

import re

import pytest
from django_tenants.utils import schema_context

from saas.accounts.models import User
from saas.acd import gateway
from saas.acd.authentication import integration_for
from saas.acd.integrations import do_create_gateway_integration
from saas.acd.models import GatewayIntegration
from tenants.models import Client

PAGE = "/telephony/"


def _in_acme():
    return schema_context(Client.objects.get(slug="acme").schema_name)


@pytest.fixture
def integration(db):
    with _in_acme():
        made, _ = do_create_gateway_integration(actor=User.objects.get(username="acme-admin"), name="机房网关",
                                                webhook_url="https://pbx.example.cn/acd")
    return made


def _revealed_key(page: str) -> str | None:
    match = re.search(r'<code id="gateway-key">([^<]+)</code>', page)
    return match and match[1]


@pytest.mark.parametrize(("role", "status"), [("tenant_admin", 200), ("supervisor", 200), ("agent", 403)])
def test_the_page_opens_for_admins_and_supervisors(web, role, status):
    assert web("acme", role).get(PAGE).status_code == status


def test_the_platform_host_has_no_telephony_page(web):
    assert web("platform", "platform_admin").get(PAGE).status_code == 404


def test_a_client_admin_sees_the_integrations_and_how_to_connect(web, integration):
    # when
    page = web("acme", "tenant_admin").get(PAGE).content.decode()

    # then
    assert "机房网关" in page and "https://pbx.example.cn/acd" in page
    assert "ws://acme.localhost/ws/telephony/gateway/" in page
    assert f'href="/telephony/{integration.pk}/"' in page and f'action="/telephony/{integration.pk}/rotate/"' in page
    assert 'data-connected="false"' in page and _revealed_key(page) is None


def test_a_new_integration_shows_its_key_once(web):
    # given
    client = web("acme", "tenant_admin")

    # when
    created = client.post(PAGE, {"name": "新网关", "webhook_url": "https://pbx.example.cn/new"})
    first = client.get(PAGE).content.decode()
    second = client.get(PAGE).content.decode()

    # then
    assert created.status_code == 302
    key = _revealed_key(first)
    with _in_acme():
        integration = GatewayIntegration.objects.get(name="新网关")
        assert integration_for(key) == integration
    assert integration.webhook_secret in first and 'data-copy="gateway-key"' in first
    assert _revealed_key(second) is None and integration.webhook_secret not in second


@pytest.mark.parametrize(("fields", "error_in"), [
    ({"name": "机房网关"}, "name"),
    ({"name": ""}, "name"),
    ({"name": "新网关", "webhook_url": "ftp://pbx.example.cn/"}, "webhook_url"),
])
def test_an_integration_that_is_not_valid_is_shown_with_its_errors(web, integration, fields, error_in):
    # when
    response = web("acme", "tenant_admin").post(PAGE, fields)

    # then
    assert response.status_code == 400
    page = response.content.decode()
    label = page.split(f'name="{error_in}"')[1].split("</label>")[0]
    assert 'class="field-error"' in label
    with _in_acme():
        assert GatewayIntegration.objects.count() == 1


def test_rotating_shows_the_new_key_and_retires_the_old_one(web, integration):
    # given
    client = web("acme", "tenant_admin")
    with _in_acme():
        old_digest = GatewayIntegration.objects.get(pk=integration.pk).token_digest

    # when
    response = client.post(f"/telephony/{integration.pk}/rotate/")
    page = client.get(PAGE).content.decode()

    # then
    assert response.status_code == 302
    with _in_acme():
        rotated = GatewayIntegration.objects.get(pk=integration.pk)
        assert rotated.token_digest != old_digest and integration_for(_revealed_key(page)) == rotated


def test_a_client_admin_changes_the_webhook_and_switches_the_integration_off(web, integration):
    # given
    client = web("acme", "tenant_admin")
    form = client.get(f"/telephony/{integration.pk}/").content.decode()

    # when
    response = client.post(f"/telephony/{integration.pk}/", {
        "name": "机房网关", "webhook_url": "http://10.0.0.8:8080/commands"})  # "active" unticked

    # then
    assert 'value="https://pbx.example.cn/acd"' in form and 'name="active"' in form
    assert response.status_code == 302
    with _in_acme():
        changed = GatewayIntegration.objects.get(pk=integration.pk)
        assert (changed.webhook_url, changed.active) == ("http://10.0.0.8:8080/commands", False)


def test_supervisors_read_the_page_but_change_nothing(web, integration):
    # given
    client = web("acme", "supervisor")

    # when
    page = client.get(PAGE).content.decode()

    # then
    assert "机房网关" in page and 'name="name"' not in page and "/rotate/" not in page
    assert client.post(PAGE, {"name": "偷偷加的"}).status_code == 403
    assert client.post(f"/telephony/{integration.pk}/rotate/").status_code == 403
    assert client.get(f"/telephony/{integration.pk}/").status_code == 403


def test_the_presence_badge_says_when_a_gateway_is_connected(web):
    # given
    schema = Client.objects.get(slug="acme").schema_name
    gateway.mark_connected(schema, "page-test-channel")
    try:
        # when
        badge = web("acme", "supervisor").get(PAGE, {"as": "presence"}).content.decode()
    finally:
        gateway.mark_disconnected(schema, "page-test-channel")

    # then: the badge alone, polling itself
    assert 'data-connected="true"' in badge and "<table" not in badge
    assert 'hx-get="/telephony/?as=presence"' in badge


@pytest.mark.parametrize(("role", "shown"), [("tenant_admin", True), ("supervisor", True), ("agent", False)])
def test_the_telephony_entry_is_in_the_navigation_of_those_who_may_use_it(web, role, shown):
    # when
    page = web("acme", role).get("/", follow=True).content.decode()
    nav = page.split("<nav>")[1].split("</nav>")[0]

    # then
    assert ('href="/telephony/"' in nav) is shown
