"""The telephony gateway as a caller: `Authorization: Gateway <key>`, over HTTP and the websocket.

The key is looked up by its digest in the current host's schema only, so one tenant's key is simply
not found on another tenant's host. The gateway is not a person: it gets a principal with a role of
its own that no human role equals, so it reaches the event endpoint and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from saas.acd.models import GatewayIntegration

KEYWORD = "Gateway"
TELEPHONY_GATEWAY = "telephony_gateway"  # the principal's role: not a `Role`, never a user's
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class GatewayPrincipal:
    """`request.user` for a gateway: enough of a user for permissions and the audit log."""

    integration: GatewayIntegration
    role = TELEPHONY_GATEWAY
    is_authenticated = True
    is_anonymous = False
    pk = None

    @property
    def username(self) -> str:
        return f"gateway:{self.integration.name}"


def key_in(header: str) -> str | None:
    """The key of a `Gateway <key>` header value; None for any other scheme or shape."""
    parts = header.split()
    return parts[1] if len(parts) == 2 and parts[0] == KEYWORD else None


def integration_for(key: str) -> GatewayIntegration | None:
    """The active integration of the current schema that this key belongs to."""
    return GatewayIntegration.objects.filter(token_digest=GatewayIntegration.digest_of(key), active=True).first()


def seen_long_ago(integration: GatewayIntegration) -> bool:
    return integration.last_seen_at is None or timezone.now() - integration.last_seen_at >= SEEN_EVERY


def touch(integration: GatewayIntegration) -> bool:
    """Note that the gateway was seen (one write a minute at most). False when its key stopped
    working meanwhile (rotated, switched off): a long-lived socket learns it here."""
    if not seen_long_ago(integration):
        return True
    now = timezone.now()
    still_valid = GatewayIntegration.objects.filter(
        pk=integration.pk, token_digest=integration.token_digest, active=True).update(last_seen_at=now)
    integration.last_seen_at = now
    return bool(still_valid)


class GatewayAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if header.split()[:1] != [KEYWORD]:
            return None  # another scheme: the next authentication class decides
        key = key_in(header)
        if key is None:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be 'Gateway <key>'."))
        integration = integration_for(key)
        if integration is None:
            raise exceptions.AuthenticationFailed(_("The gateway key is invalid or its integration is switched off."))
        touch(integration)
        return GatewayPrincipal(integration), integration

    def authenticate_header(self, request):
        return KEYWORD


class GatewayKeyScheme(OpenApiAuthenticationExtension):
    target_class = GatewayAuthentication
    name = "gatewayAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Gateway <key>`: the key of one of this tenant's gateway integrations, shown once "
                           "when it is created or rotated; valid on that tenant's host only.",
        }
