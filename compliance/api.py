from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from compliance import services
from compliance.models import NumberResource
from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from tenants.models import Client


class NumberResourceSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", allow_null=True, required=False,
                                          queryset=Client.objects.exclude(schema_name="public")
                                          .exclude(status=Client.Status.ARCHIVED))
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = NumberResource
        fields = ["id", "number", "kind", "kind_label", "province", "tenant", "routed_queue", "routed_at"]
        read_only_fields = ["kind", "routed_queue", "routed_at"]
        extra_kwargs = {"number": {"validators": []}, "province": {"required": False}}

    def validate_number(self, value):
        if self.instance is not None and value != self.instance.number:
            raise serializers.ValidationError("A registered number cannot change; register a new one.")
        return value


def _update(*, actor, instance, number=None, **changes):
    return services.do_allocate_number(actor=actor, instance=instance, **changes)


NumberResourceListView, NumberResourceDetailView = resource_views(
    name="NumberResource", serializer=NumberResourceSerializer,
    roles=Roles(read={Role.PLATFORM_ADMIN}, write={Role.COMPLIANCE_OFFICER}),
    queryset=lambda request: NumberResource.objects.select_related("tenant"),
    create=services.do_register_number, update=_update, filters=("kind", "province"),
)
NumberResourceListView = extend_schema_view(post=extend_schema(
    description="Register an access number (its kind comes from its digits) and allocate it to a tenant.",
    examples=[OpenApiExample("a 400 number for acme", request_only=True,
                             value={"number": "400-820-8821", "tenant": "acme"}),
              OpenApiExample("a Jiangsu 96 number", request_only=True,
                             value={"number": "96888", "province": "32", "tenant": "bpo"})],
))(NumberResourceListView)
