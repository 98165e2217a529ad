"""The telephony boundary's API: the gateway's call events, and client admins' gateway integrations.

`POST /api/v1/telephony/events/` takes one event from the tenant's gateway (`Authorization: Gateway
<key>`). The websocket (saas.acd.consumers.gateway) validates its events with the same serializer.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from saas.accounts.roles import Role
from saas.acd.authentication import TELEPHONY_GATEWAY, GatewayAuthentication
from saas.acd.integrations import (
    do_create_gateway_integration,
    do_rotate_gateway_token,
    do_update_gateway_integration,
)
from saas.acd.models import NOT_CONNECTED, Call, GatewayIntegration
from saas.acd.telephony import TYPES, GatewayEvent, Receipt, do_receive_event
from saas.api.actions import action_view
from saas.api.errors import Conflict
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from saas.seats.models import extension_validator

# Each type's own fields, True when required (the protocol's optional ones are False).
FIELDS: dict[str, dict[str, bool]] = {
    "call.offered": {"caller": True, "access_number": True, "ivr_selection": False, "priority": False},
    **{kind: {"extension": True} for kind in ("call.ringing", "call.answered", "call.held", "call.unheld")},
    "call.transferred": {"mode": True, "to_extension": False, "to_queue": False},
    "call.ended": {"hung_up_by": True},
    "call.abandoned": {},
    "call.callback_requested": {"number": False},
    "call.blocked": {"caller": True, "access_number": True},
    "call.ivr_completed": {"caller": True, "access_number": True, "ivr_selection": False, "entered_at": False},
    "outbound.dialled": {"extension": True, "number": True, "access_number": False},
    "outbound.answered": {},
    "outbound.ended": {"hung_up_by": False},
    "outbound.failed": {"reason": True},
}

TRANSFER_MODES = ("blind", "attended")
OUTCOMES = ("applied", "duplicate", "pending", "late")  # a refused event is a 409, not a receipt

# Why an event was refused (saas.acd.telephony raises these codes), for the 409's message.
REFUSALS = {
    "call_already_offered": _("This call was already offered."),
    "no_agent_at_extension": _("No agent is logged in at this extension."),
    "call_not_connected": _("The call is not connected to an agent."),
    "call_not_ringing": _("The call is not ringing at an agent."),
    "call_not_ringing_there": _("The call is not ringing at this extension."),
    "transfer_target_not_ready": _("The agent at the transfer's extension is not ready."),
    "transfer_queue_unknown": _("The transfer's queue does not exist or is switched off."),
    "call_not_live": _("The call is not in progress."),
    "call_not_waiting": _("The call is not waiting in a queue."),
    "call_not_outbound": _("The call was not dialled out by an agent."),
    "call_not_dialling": _("The call is not being dialled."),
    "agent_state_conflict": _("The agent's state does not allow this."),
}


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that says its UTC offset: a gateway's local time without one is ambiguous."""

    default_error_messages = {"naive": _("Give the time with its UTC offset, e.g. 2026-05-01T09:30:00+08:00.")}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


class TelephonyEventSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=64, help_text="Unique per event: a repeated id counts once.")
    type = serializers.ChoiceField(choices=TYPES)
    call_id = serializers.CharField(max_length=64, help_text="The gateway's id of the call.")
    at = AwareDateTimeField(help_text="When it happened, with its UTC offset.")
    caller = serializers.CharField(max_length=32, required=False,
                                   help_text="call.offered, call.blocked, call.ivr_completed: the caller's number.")
    access_number = serializers.CharField(max_length=32, required=False, help_text=(
        "call.offered, call.blocked, call.ivr_completed: the number dialled; outbound.dialled: the number shown "
        "to the called party."))
    ivr_selection = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text=(
        "call.offered: the queue the caller chose in the IVR, by name; call.ivr_completed: the IVR service they "
        "finished in."))
    entered_at = AwareDateTimeField(required=False, help_text=(
        "call.ivr_completed: when the call entered the IVR (else `at`), with its UTC offset."))
    priority = serializers.IntegerField(min_value=0, max_value=9, required=False,
                                        help_text="call.offered: higher is answered first within its queue.")
    extension = serializers.CharField(max_length=6, required=False, validators=[extension_validator],
                                      help_text="ringing, answered, held, unheld, outbound.dialled: the seat's "
                                                "extension.")
    mode = serializers.ChoiceField(choices=TRANSFER_MODES, required=False, help_text="call.transferred.")
    to_extension = serializers.CharField(max_length=6, required=False, validators=[extension_validator],
                                         help_text="call.transferred: to the agent at this extension…")
    to_queue = serializers.CharField(max_length=50, required=False, help_text="…or to this queue, by name.")
    hung_up_by = serializers.ChoiceField(choices=Call.Side.choices, required=False, help_text=(
        "call.ended; outbound.ended (optional; `caller` is the called party)."))
    number = serializers.CharField(max_length=32, required=False, help_text=(
        "call.callback_requested: the number to call back (else the caller's); outbound.dialled: the number "
        "dialled."))
    reason = serializers.ChoiceField(choices=[status.value for status in NOT_CONNECTED], required=False,
                                     help_text="outbound.failed: why it did not connect.")

    def validate(self, data):
        kind = data["type"]
        errors = {name: [_("This field is required for %(type)s.") % {"type": kind}]
                  for name, required in FIELDS[kind].items() if required and name not in data}
        if kind == "call.transferred" and ("to_extension" in data) == ("to_queue" in data):
            errors["to_extension"] = [_("Give to_extension or to_queue, one of them.")]
        if kind == "call.ivr_completed" and data.get("entered_at", data["at"]) > data["at"]:
            errors["entered_at"] = [_("The call cannot enter the IVR after it finished there.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def event(self) -> GatewayEvent:
        """The validated event, with only its type's own fields."""
        data = self.validated_data
        return GatewayEvent(event_id=data["event_id"], type=data["type"], call_id=data["call_id"], at=data["at"],
                            data={name: data[name] for name in FIELDS[data["type"]] if name in data})


class ReceiptSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    outcome = serializers.ChoiceField(choices=OUTCOMES, help_text=(
        "applied; duplicate (this event id was received before); pending (its call is not offered yet: applied "
        "with the offer); late (older than its call's newest event: it filled in the history only)."))
    code = serializers.CharField(allow_blank=True)


def refusal(receipt: Receipt) -> Conflict:
    return Conflict(receipt.code, REFUSALS.get(receipt.code, _("The event cannot apply to its call as it stands.")),
                    details={"event_id": receipt.event_id})


class TelephonyEventView(APIView):
    """One call event from the tenant's telephony gateway. Events may come twice or out of order: each
    id counts once, and each call moves forward in event time."""

    roles = Roles(write={TELEPHONY_GATEWAY})
    # People's tokens and sessions are still recognised, so that they are told 403 rather than 401.
    authentication_classes = [GatewayAuthentication, *api_settings.DEFAULT_AUTHENTICATION_CLASSES]

    @extend_schema(
        summary="Receive a call event from the telephony gateway",
        auth=[{"gatewayAuth": []}],  # people's credentials are recognised only to be refused
        request=TelephonyEventSerializer,
        responses={
            200: ReceiptSerializer,
            400: OpenApiResponse(description="invalid: details names each field that is not valid, and why"),
            409: OpenApiResponse(description="Refused: the event cannot apply to its call (code says why: "
                                             + ", ".join(REFUSALS) + "); details.event_id. It counts as received."),
        },
        examples=[OpenApiExample("a call offered", request_only=True, value={
            "event_id": "ev-8f1c", "type": "call.offered", "call_id": "c-20260501-0001",
            "at": "2026-05-01T09:30:00.250+08:00", "caller": "13800138000", "access_number": "4008208820"}),
            OpenApiExample("the call answered", request_only=True, value={
                "event_id": "ev-8f1d", "type": "call.answered", "call_id": "c-20260501-0001",
                "at": "2026-05-01T09:30:07+08:00", "extension": "8001"}),
            OpenApiExample("an agent dials out", request_only=True, value={
                "event_id": "ev-9a02", "type": "outbound.dialled", "call_id": "o-20260501-0001",
                "at": "2026-05-01T10:02:00+08:00", "extension": "8001", "number": "13900139000"}),
            OpenApiExample("nobody answers the agent's call", request_only=True, value={
                "event_id": "ev-9a03", "type": "outbound.failed", "call_id": "o-20260501-0001",
                "at": "2026-05-01T10:02:30+08:00", "reason": "no_answer"})],
    )
    def post(self, request):
        checked = TelephonyEventSerializer(data=request.data)
        checked.is_valid(raise_exception=True)
        receipt = do_receive_event(event=checked.event())
        if receipt.outcome == "refused":
            raise refusal(receipt)
        return Response(ReceiptSerializer(receipt).data)


# --- Gateway integrations (client admins) ---------------------------------------------------------------

GATEWAY_ROLES = Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN})


class GatewayIntegrationSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField(
        help_text="For `Authorization: Gateway <key>`. In the answer to creating or rotating only: store it now.")
    webhook_secret = serializers.SerializerMethodField(
        help_text="Signs webhook deliveries (X-Gateway-Signature). Shown with the key only.")

    class Meta:
        model = GatewayIntegration
        fields = ["id", "name", "webhook_url", "active", "created_at", "last_seen_at", "key", "webhook_secret"]
        read_only_fields = ["created_at", "last_seen_at"]
        extra_kwargs = {"name": {"validators": []}}  # uniqueness: the service answers it with the other fields

    def get_key(self, integration) -> str | None:
        return getattr(integration, "key", None)

    def get_webhook_secret(self, integration) -> str | None:
        return integration.webhook_secret if getattr(integration, "key", None) else None


def _create(*, actor, **fields) -> GatewayIntegration:
    integration, key = do_create_gateway_integration(actor=actor, **fields)
    integration.key = key
    return integration


def rotate_gateway_token(*, actor, integration: GatewayIntegration) -> GatewayIntegration:
    integration.key = do_rotate_gateway_token(actor=actor, integration=integration)
    return integration


GatewayListView, GatewayDetailView = resource_views(
    name="Gateway", serializer=GatewayIntegrationSerializer, roles=GATEWAY_ROLES,
    queryset=lambda request: GatewayIntegration.objects.order_by("name"), create=_create,
    update=lambda *, actor, instance, **changes: do_update_gateway_integration(actor=actor, integration=instance,
                                                                               **changes),
    filters=("active",),
)
GatewayListView = extend_schema_view(post=extend_schema(
    examples=[OpenApiExample("a gateway with a webhook", request_only=True, value={
        "name": "机房 A 网关", "webhook_url": "https://pbx.example.cn/acd/commands"})],
    description="The answer carries the key and the webhook secret, this once.",
))(GatewayListView)
GatewayRotateTokenView = action_view(
    action=rotate_gateway_token, roles=GATEWAY_ROLES, argument="integration",
    load=lambda pk: generics.get_object_or_404(GatewayIntegration, pk=pk), output=GatewayIntegrationSerializer,
    summary="A new key and webhook secret (shown this once); the old key stops working at once",
)
