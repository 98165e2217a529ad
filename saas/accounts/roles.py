"""Who may do what. Platform roles live in the public schema, tenant roles in each tenant schema."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    COMPLIANCE_OFFICER = "compliance_officer", _("Compliance officer")
    FINANCE = "finance", _("Finance")
    TENANT_ADMIN = "tenant_admin", _("Client administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")


PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.COMPLIANCE_OFFICER, Role.FINANCE})
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.SUPERVISOR, Role.AGENT})
