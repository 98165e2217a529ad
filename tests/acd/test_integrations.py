"""Gateway integrations: keys kept as digests and found in their own tenant only, rotation, switching
off, and the gateway's principal, which no person's role equals."""

from datetime import timedelta

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.acd.api import FIELDS, TelephonyEventView
from saas.acd.authentication import TELEPHONY_GATEWAY, integration_for, touch
from saas.acd.integrations import (
    do_create_gateway_integration,
    do_rotate_gateway_token,
    do_update_gateway_integration,
)
from saas.acd.models import GatewayIntegration
from saas.acd.telephony import TYPES
from saas.api.errors import DomainError
from saas.audit.models import AuditEvent
from tenants.models import Client


@pytest.fixture
def admin(acme):
    return User.objects.get(username="acme-admin")


def test_an_integration_keeps_only_the_digest_of_its_key(admin):
    # when
    integration, key = do_create_gateway_integration(actor=admin, name="机房网关", webhook_url="https://pbx.example.cn/")

    # then
    integration.refresh_from_db()
    assert len(key) >= 40 and key not in (integration.token_digest, integration.webhook_secret)
    assert integration.token_digest == GatewayIntegration.digest_of(key)
    assert len(integration.webhook_secret) == 64 and integration.active
    assert integration_for(key) == integration
    event = AuditEvent.objects.get(action="gateway_integration.created", target_id=str(integration.pk))
    assert (event.actor_username, event.schema_name) == ("acme-admin", connection.schema_name)


def test_a_key_is_found_in_its_own_tenant_only(admin):
    # given
    _, key = do_create_gateway_integration(actor=admin, name="机房网关")

    # when
    with tenant_context(Client.objects.get(slug="bpo")):
        in_bpo = integration_for(key)

    # then
    assert in_bpo is None and integration_for(key) is not None


def test_rotating_replaces_the_key_and_the_webhook_secret(admin):
    # given
    integration, old_key = do_create_gateway_integration(actor=admin, name="机房网关")
    old_secret = integration.webhook_secret

    # when
    new_key = do_rotate_gateway_token(actor=admin, integration=integration)

    # then
    integration.refresh_from_db()
    assert integration_for(old_key) is None and integration_for(new_key) == integration
    assert integration.webhook_secret != old_secret
    assert AuditEvent.objects.filter(action="gateway_integration.token_rotated", target_id=str(integration.pk)).exists()


def test_a_switched_off_integration_s_key_is_unknown_until_it_is_on_again(admin):
    # given
    integration, key = do_create_gateway_integration(actor=admin, name="机房网关")

    # when
    do_update_gateway_integration(actor=admin, integration=integration, active=False)
    while_off = integration_for(key)
    do_update_gateway_integration(actor=admin, integration=integration, active=True)

    # then
    assert while_off is None and integration_for(key) == integration
    assert AuditEvent.objects.filter(action="gateway_integration.updated", target_id=str(integration.pk),
                                     data={"fields": ["active"]}).count() == 2


@pytest.mark.parametrize("url", ["ftp://pbx.example.cn/", "javascript:alert(1)", "pbx"])
def test_a_webhook_must_be_an_http_address(admin, url):
    # given
    integration, _ = do_create_gateway_integration(actor=admin, name="机房网关")

    # when
    with pytest.raises(DomainError) as refused:
        do_update_gateway_integration(actor=admin, integration=integration, webhook_url=url)

    # then
    assert refused.value.code == "invalid" and "webhook_url" in refused.value.details
    assert GatewayIntegration.objects.get(pk=integration.pk).webhook_url == ""


def test_a_long_lived_connection_learns_at_its_next_touch_that_its_key_was_rotated(admin):
    # given: a socket authenticated a while ago
    integration, key = do_create_gateway_integration(actor=admin, name="机房网关")
    held = integration_for(key)
    assert touch(held)
    held.last_seen_at -= timedelta(minutes=2)

    # when
    do_rotate_gateway_token(actor=admin, integration=integration)

    # then
    assert touch(held) is False


def test_the_gateway_role_is_no_person_s_and_only_it_may_send_events():
    assert TELEPHONY_GATEWAY not in Role.values
    assert TelephonyEventView.roles.admits(TELEPHONY_GATEWAY, "POST")
    assert not any(TelephonyEventView.roles.admits(role, method) for role in Role.values for method in ("GET", "POST"))


def test_every_event_type_says_which_fields_it_takes():
    assert set(FIELDS) == set(TYPES)
