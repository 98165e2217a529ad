from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.models import SeatMode
from compliance.models import PlatformSite
from saas.accounts.roles import Role
from saas.api.actions import action_view
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from saas.seats.models import Seat
from saas.seats.selectors import seat_usage
from saas.seats.services import do_activate_seat, do_create_seat, do_deactivate_seat, do_update_seat

SEAT_ROLES = Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN})


class SeatSerializer(serializers.ModelSerializer):
    site = serializers.PrimaryKeyRelatedField(
        queryset=PlatformSite.objects.filter(state=PlatformSite.State.ACTIVE), required=False,
        help_text="A platform site id; the operator's default site when omitted.",
    )
    active = serializers.BooleanField(write_only=True, required=False, default=False,
                                      help_text="Activate at once (counts against the subscription).")
    site_name = serializers.CharField(source="site.name", read_only=True)

    class Meta:
        model = Seat
        fields = ["id", "code", "name", "kind", "site", "site_name", "extension", "status", "active",
                  "created_at", "updated_at"]
        read_only_fields = ["status"]
        # Uniqueness is checked by the database and answered by the service as 409s, not here.
        extra_kwargs = {"code": {"validators": []}, "extension": {"validators": []}}


SEAT_EXAMPLE = OpenApiExample("a hosted seat", request_only=True, value={
    "code": "A001", "name": "一组 1 号座席", "kind": SeatMode.HOSTED, "extension": "8001", "active": True})


def _update_seat(*, actor, instance, active=None, **changes):
    # `active` is for creation only; activating later is the activate action.
    return do_update_seat(actor=actor, seat=instance, **changes)


SeatListView, SeatDetailView = resource_views(
    name="Seat", serializer=SeatSerializer, roles=SEAT_ROLES,
    queryset=lambda request: Seat.objects.select_related("site"),
    create=do_create_seat, update=_update_seat, filters=("status", "kind"),
)
SeatListView = extend_schema_view(post=extend_schema(
    examples=[SEAT_EXAMPLE],
    description="Creating with `active: true`, or activating later, counts against the subscription for that kind: "
                "beyond it the answer is 409 `seat_limit_reached`.",
))(SeatListView)


def _seat_action(action, summary: str):
    return action_view(action=action, roles=SEAT_ROLES, load=lambda pk: generics.get_object_or_404(Seat, pk=pk),
                       argument="seat", output=SeatSerializer, summary=summary)


SeatActivateView = _seat_action(do_activate_seat, "Activate: counts against the subscription")
SeatDeactivateView = _seat_action(do_deactivate_seat, "Deactivate: stops the seat being billed from now")


class SeatUsageOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    subscribed = serializers.IntegerField()
    active = serializers.IntegerField()
    defined = serializers.IntegerField()


class SeatUsageView(APIView):
    """Seats subscribed, active and defined, per kind."""

    roles = SEAT_ROLES

    @extend_schema(responses=SeatUsageOutput(many=True))
    def get(self, request):
        return Response(SeatUsageOutput(seat_usage(), many=True).data)
