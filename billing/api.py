from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from billing import services
from billing.models import Subscription
from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.api.resources import resource_views
from tenants.models import Client


class SubscriptionSerializer(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", queryset=Client.objects.exclude(schema_name="public")
                                          .exclude(status=Client.Status.ARCHIVED))

    class Meta:
        model = Subscription
        fields = ["id", "tenant", "mode", "quantity", "changed_at"]
        validators = []  # one per tenant and mode: the service answers 409 subscription_exists

    def validate(self, data):
        if self.instance is not None and {"tenant", "mode"} & {
                key for key, value in data.items() if value != getattr(self.instance, key)}:
            raise serializers.ValidationError("Only the quantity of a subscription changes.")
        return data


SubscriptionListView, SubscriptionDetailView = resource_views(
    name="Subscription", serializer=SubscriptionSerializer,
    roles=Roles(read={Role.PLATFORM_ADMIN}, write={Role.FINANCE}),
    queryset=lambda request: Subscription.objects.select_related("tenant"),
    create=services.do_subscribe, update=services.do_change_subscription, filters=("mode",),
)
SubscriptionListView = extend_schema_view(post=extend_schema(examples=[OpenApiExample(
    "20 hosted seats for acme", request_only=True, value={"tenant": "acme", "mode": "hosted", "quantity": 20})],
))(SubscriptionListView)
