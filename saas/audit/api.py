from django_tenants.utils import get_public_schema_name
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from saas.accounts.roles import Role
from saas.api.permissions import Roles
from saas.audit.models import AuditEvent


class AuditEventOutput(serializers.ModelSerializer):
    tenant = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "tenant", "actor_username", "action", "target_type", "target_id", "data"]


@extend_schema(summary="Audit log: every write, who did it and when")
class AuditEventList(ListAPIView):
    """On the platform host: every event. On a tenant host: that tenant's events only."""

    roles = Roles(read={Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER, Role.TENANT_ADMIN})
    serializer_class = AuditEventOutput

    def get_queryset(self):
        events = AuditEvent.objects.select_related("tenant")
        tenant = self.request.tenant
        if tenant.schema_name != get_public_schema_name():
            events = events.filter(tenant=tenant)
        if action := self.request.query_params.get("action"):
            events = events.filter(action__startswith=action)
        return events
