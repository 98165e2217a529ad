from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from saas.accounts.roles import Role
from saas.agents.models import Skill
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from saas.queues import services
from saas.queues.models import OpeningHours, Queue, WrapUpCode


class WrapUpCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = WrapUpCode
        fields = ["code", "name", "active"]


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["day", "opens", "closes"]


class QueueSerializer(serializers.ModelSerializer):
    required_skills = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.filter(active=True), many=True,
                                                         required=False)
    overflow_queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.filter(active=True), required=False,
                                                        allow_null=True)
    wrap_up_codes = WrapUpCodeSerializer(many=True, required=False)
    hours = OpeningHoursSerializer(many=True, required=False,
                                   help_text="Opening intervals; day 0 = Monday … 6 = Sunday, 7 = public holidays.")

    class Meta:
        model = Queue
        fields = ["id", "name", "required_skills", "strategy", "priority", "service_level_percent",
                  "service_level_seconds", "short_abandon_seconds", "max_wait_seconds", "max_length",
                  "overflow_action", "overflow_queue", "after_call_work_seconds", "wrap_up_required",
                  "wrap_up_codes", "always_open", "hours", "active"]
        extra_kwargs = {"name": {"validators": []}}


QueueListView, QueueDetailView = resource_views(
    name="Queue", serializer=QueueSerializer,
    roles=Roles(read={Role.SUPERVISOR}, write={Role.TENANT_ADMIN}),
    queryset=lambda request: Queue.objects.prefetch_related("required_skills", "wrap_up_codes", "hours"),
    create=services.do_create_queue, update=services.do_update_queue, filters=("active",),
)
QueueListView = extend_schema_view(post=extend_schema(examples=[OpenApiExample(
    "an after-sales queue", request_only=True,
    value={"name": "售后热线", "required_skills": [1], "strategy": "longest_idle", "priority": 6,
           "service_level_percent": 80, "service_level_seconds": 20, "max_wait_seconds": 180,
           "overflow_action": "callback", "after_call_work_seconds": 30, "wrap_up_required": True,
           "wrap_up_codes": [{"code": "resolved", "name": "已解决"}, {"code": "escalated", "name": "已升级"}],
           "hours": [{"day": day, "opens": "08:30", "closes": "20:00"} for day in range(5)]},
)]))(QueueListView)
