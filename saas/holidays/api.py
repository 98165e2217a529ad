from rest_framework import serializers

from saas.accounts.roles import PLATFORM_ROLES, Role
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from saas.holidays import services
from saas.holidays.models import PublicHoliday


class PublicHolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicHoliday
        fields = ["id", "date", "kind", "name", "official"]
        extra_kwargs = {"date": {"validators": []}}


def _by_year(request):
    days = PublicHoliday.objects.all()
    year = request.query_params.get("year", "")
    return days.filter(date__year=int(year)) if year.isdigit() else days


PublicHolidayListView, PublicHolidayDetailView = resource_views(
    name="PublicHoliday", serializer=PublicHolidaySerializer,
    roles=Roles(read=PLATFORM_ROLES, write={Role.PLATFORM_ADMIN}),
    queryset=_by_year, create=services.do_create_public_holiday, update=services.do_update_public_holiday,
    filters=("kind", "official"),
)
