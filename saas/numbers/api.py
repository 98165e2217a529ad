from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.numbers.models import NumberRoute
from saas.numbers.selectors import tenant_numbers
from saas.numbers.services import do_route_number
from saas.queues.models import Queue

NUMBER_ROLES = Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN})


class NumberSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    province = serializers.CharField(read_only=True)
    queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.filter(active=True),
                                               source="route.queue", allow_null=True)
    follow_queue_hours = serializers.BooleanField(source="route.follow_queue_hours", default=True)
    closed_action = serializers.ChoiceField(choices=NumberRoute.ClosedAction.choices, source="route.closed_action",
                                            default=NumberRoute.ClosedAction.MESSAGE)
    closed_queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.filter(active=True), allow_null=True,
                                                      source="route.closed_queue", required=False)

    def to_representation(self, number):
        body = {field: getattr(number, field) for field in ("id", "number", "kind", "province")}
        body["kind_label"] = str(number.get_kind_display())
        route = number.route
        body["queue"] = route.queue_id if route else None
        body["follow_queue_hours"] = route.follow_queue_hours if route else True
        body["closed_action"] = route.closed_action if route else NumberRoute.ClosedAction.MESSAGE
        body["closed_queue"] = route.closed_queue_id if route else None
        return body


def _number_or_404(pk: int):
    number = next((number for number in tenant_numbers() if number.pk == pk), None)
    if number is None:
        raise NotFound()
    return number


class NumberListView(APIView):
    """The access numbers the platform has allocated to this client enterprise, with their routes.
    Numbers are allocated by the platform; here they can only be routed."""

    roles = NUMBER_ROLES

    @extend_schema(responses=NumberSerializer(many=True))
    def get(self, request):
        return Response(NumberSerializer(tenant_numbers(), many=True).data)


class NumberDetailView(APIView):
    roles = NUMBER_ROLES

    @extend_schema(responses=NumberSerializer)
    def get(self, request, pk):
        return Response(NumberSerializer(_number_or_404(pk)).data)

    @extend_schema(
        request=NumberSerializer, responses=NumberSerializer,
        examples=[OpenApiExample("route to a queue", request_only=True,
                                 value={"queue": 1, "follow_queue_hours": True, "closed_action": "voicemail"})],
    )
    def patch(self, request, pk):
        number = _number_or_404(pk)
        data = NumberSerializer(number, data=request.data, partial=number.route is not None)
        data.is_valid(raise_exception=True)
        routing = data.validated_data.get("route", {})
        if number.route is None and routing.get("queue") is None:
            raise serializers.ValidationError({"queue": ["A number must be routed to a queue."]})
        do_route_number(actor=request.user, number=number, **routing)
        return Response(NumberSerializer(_number_or_404(pk)).data)
