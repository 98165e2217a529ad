"""`POST /api/v1/billing/stripe/webhook/` on the platform host: Stripe's events about our invoices.

No login: the `Stripe-Signature` header is the authentication, an HMAC of the body with the endpoint's
secret and a timestamp that must be under five minutes old (a replayed old delivery is refused).
"""

from __future__ import annotations

import logging

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import stripe_sync
from saas.api.errors import error_body
from saas.api.permissions import PUBLIC

logger = logging.getLogger(__name__)

TOLERANCE = 300  # seconds a signature stays valid, Stripe's own default


class StripeWebhookView(APIView):
    """Receive a Stripe event: payments taken or failed on an invoice we pushed. Each event counts once."""

    roles = PUBLIC
    authentication_classes = []  # the signature authenticates; no session means no CSRF check either

    @extend_schema(
        summary="Stripe webhook",
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True,
                                     description="Stripe's signature of the body: t=<timestamp>,v1=<HMAC>")],
        responses={
            200: inline_serializer("StripeWebhookReceived", {"received": serializers.BooleanField(),
                                                             "duplicate": serializers.BooleanField()}),
            400: OpenApiResponse(description="invalid_signature, stale_signature or malformed_request"),
            404: OpenApiResponse(description="stripe_disabled: Stripe is not configured"),
        },
    )
    def post(self, request):
        if not stripe_sync.webhook_enabled():
            return _error(status.HTTP_404_NOT_FOUND, "stripe_disabled", _("Stripe is not configured here."))
        # The raw bytes, as signed: request.data would parse them first.
        payload = request.body
        header = request.headers.get("Stripe-Signature", "")
        try:
            event = stripe.Webhook.construct_event(payload, header, settings.STRIPE_WEBHOOK_SECRET,
                                                   tolerance=TOLERANCE, api_key=settings.STRIPE_API_KEY)
        except stripe.SignatureVerificationError:
            if _signed_but_stale(payload, header):
                return _error(status.HTTP_400_BAD_REQUEST, "stale_signature",
                              _("The signature is too old; the event may be a replay."))
            return _error(status.HTTP_400_BAD_REQUEST, "invalid_signature",
                          _("The Stripe-Signature header does not match the body."))
        except (ValueError, TypeError, AttributeError):  # signed, but not JSON or not an event
            return _malformed()
        if not _well_formed(event):
            return _malformed()
        handled = stripe_sync.handle_event(event)
        logger.info("Stripe event %s (%s): %s%s", event.id, event.type, handled.outcome,
                    " (duplicate)" if handled.duplicate else "")
        return Response({"received": True, "duplicate": handled.duplicate})


def _error(status_code: int, code: str, message) -> Response:
    return Response(error_body(code, message), status=status_code)


def _malformed() -> Response:
    return _error(status.HTTP_400_BAD_REQUEST, "malformed_request", _("The body is not a Stripe event."))


def _signed_but_stale(payload: bytes, header: str) -> bool:
    """The library answers one error for both; a stale signature is one that is right but for its age."""
    try:
        return stripe.WebhookSignature.verify_header(payload, header, settings.STRIPE_WEBHOOK_SECRET, tolerance=None)
    except (stripe.SignatureVerificationError, ValueError):
        return False


def _well_formed(event) -> bool:
    data = event.to_dict()
    return (isinstance(data.get("id"), str) and bool(data["id"]) and len(data["id"]) <= 64
            and isinstance(data.get("type"), str) and len(data["type"]) <= 80
            and stripe_sync.is_timestamp(data.get("created")))
