from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.api.resources import invalid_filter, resource_views
from saas.calendars import services
from saas.calendars.models import CalendarDay
from saas.calendars.selectors import special_days

CALENDAR_ROLES = Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN})


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "kind", "name"]
        extra_kwargs = {"date": {"validators": []}}


CalendarDayListView, CalendarDayDetailView = resource_views(
    name="CalendarDay", serializer=CalendarDaySerializer, roles=CALENDAR_ROLES,
    queryset=lambda request: CalendarDay.objects.all(), filters=("kind",),
    create=services.do_create_calendar_day, update=services.do_update_calendar_day,
    delete=services.do_delete_calendar_day,
)


class DayOutput(serializers.Serializer):
    date = serializers.DateField()
    working = serializers.BooleanField()
    holiday = serializers.BooleanField()
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=["tenant", "national"])
    official = serializers.BooleanField(help_text="False while the State Council has not published the year.")


class CalendarYearView(APIView):
    """The year as this tenant works it: national holidays and 调休 working days, with the tenant's
    own days over them."""

    roles = CALENDAR_ROLES

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses=DayOutput(many=True))
    def get(self, request):
        year = request.query_params.get("year") or str(timezone.localdate().year)
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            raise invalid_filter("year", year)
        return Response(DayOutput(special_days(int(year)), many=True).data)
