"""Every `do_*` action calls `record` inside its own transaction, so an action and its audit row
are stored together or not at all."""

from __future__ import annotations

from django.db import connection

from saas.audit.models import AuditEvent
from tenants.context import current_tenant


def record(*, actor, action: str, target=None, data: dict | None = None, tenant=None) -> AuditEvent:
    """`tenant` defaults to the tenant whose host the action came through (none on the platform host)."""
    tenant = tenant or current_tenant()
    return AuditEvent.objects.create(
        tenant_id=getattr(tenant, "pk", None),
        schema_name=connection.schema_name,
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "system",
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
