"""The tenant's telephony gateway integrations: the key a gateway authenticates with (only its digest
is stored; the key is shown once) and the webhook that takes commands while no gateway is connected,
signed with a secret of the integration (also shown once)."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from saas.acd import notify
from saas.acd.models import GatewayIntegration
from saas.api.errors import DomainError
from saas.api.resources import save_and_record, update_and_record
from saas.audit.services import record


def _new_credentials(integration: GatewayIntegration) -> str:
    key = secrets.token_urlsafe(32)
    integration.token_digest = GatewayIntegration.digest_of(key)
    integration.webhook_secret = secrets.token_hex(32)
    return key


def _check_webhook(url: str) -> None:
    # The model's URLField would also take ftp://; commands are POSTed over HTTP(S) only.
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise DomainError("invalid", _("Some fields are not valid."),
                          details={"webhook_url": [_("Give an http:// or https:// address.")]})


def _disconnect_sockets_of(integration: GatewayIntegration) -> None:
    """Close, once committed, the websockets that authenticated with this integration's old key."""
    notify.after_commit(notify.gateway_group(), {"type": "gateway.revoked", "integration": integration.pk})


@transaction.atomic
def do_create_gateway_integration(*, actor, name: str, webhook_url: str = "",
                                  active: bool = True) -> tuple[GatewayIntegration, str]:
    """A new integration and its key (returned once; its webhook secret is on the integration)."""
    _check_webhook(webhook_url)
    integration = GatewayIntegration(name=name, webhook_url=webhook_url, active=active)
    key = _new_credentials(integration)
    save_and_record(actor=actor, instance=integration, action="gateway_integration.created")
    return integration, key


@transaction.atomic
def do_rotate_gateway_token(*, actor, integration: GatewayIntegration) -> str:
    """A new key and a new webhook secret; the old key stops working at once, and sockets opened with
    it are closed."""
    key = _new_credentials(integration)
    integration.save(update_fields=["token_digest", "webhook_secret"])
    record(actor=actor, action="gateway_integration.token_rotated", target=integration)
    _disconnect_sockets_of(integration)
    return key


@transaction.atomic
def do_update_gateway_integration(*, actor, integration: GatewayIntegration, **changes) -> GatewayIntegration:
    """Change the name, the webhook URL or whether it is active (switching off closes its sockets)."""
    _check_webhook(changes.get("webhook_url", ""))
    update_and_record(actor=actor, instance=integration, changes=changes, action="gateway_integration.updated")
    if changes.get("active") is False:
        _disconnect_sockets_of(integration)
    return integration

