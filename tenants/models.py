from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_tenants.models import DomainMixin, TenantMixin

from tenants.uscc import validate_uscc

slug_validator = RegexValidator(
    r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$",
    _("3 to 30 lower-case letters, digits or hyphens, starting with a letter."),
    code="slug_format",
)


class Client(TenantMixin):
    """A client enterprise: its own schema, its own host `<slug>.<BASE_DOMAIN>`.

    The platform operator itself is the row whose schema is `public`.
    """

    class BusinessType(models.TextChoices):
        SELF_USE = "self_use", _("Self-use customer service (自用客服)")
        COMMERCIAL = "commercial", _("Commercial call centre (经营性呼叫中心)")

    class Status(models.TextChoices):
        PROVISIONING = "provisioning", _("Provisioning")
        ACTIVE = "active", pgettext_lazy("tenant status", "Active")
        SUSPENDED = "suspended", _("Suspended")
        ARCHIVED = "archived", _("Archived")
        FAILED = "failed", _("Provisioning failed")

    slug = models.CharField(_("slug"), max_length=30, validators=[slug_validator])
    legal_name = models.CharField(_("legal name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[validate_uscc])
    business_type = models.CharField(_("business type"), max_length=16, choices=BusinessType.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROVISIONING)
    # Set once the schema exists and is migrated; beat and workers skip tenants that are not ready.
    ready = models.BooleanField(_("ready"), default=False)
    provisioning_error = models.TextField(blank=True)
    # Outbound calling (外呼) is off until platform staff enable it; the licence it runs under must
    # have the written commitment of 工信部信管〔2020〕81号 on file (compliance rule OUT-01).
    outbound_enabled = models.BooleanField(_("outbound calling enabled"), default=False)
    # The first client admin, made by the provisioning task; only a password hash waits here, and it is
    # cleared once the user exists.
    initial_admin_username = models.CharField(max_length=150, blank=True)
    initial_admin_password_hash = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    # Schemas are created off the request path by the provisioning task, and never dropped.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]
        constraints = [
            # An archived tenant frees its slug and credit code for a new registration.
            models.UniqueConstraint(fields=["slug"], condition=~Q(status="archived"), name="client_slug_live"),
            models.UniqueConstraint(fields=["uscc"], condition=~Q(status="archived"), name="client_uscc_live"),
        ]

    def __str__(self) -> str:
        return f"{self.legal_name} ({self.slug})"

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"

    @property
    def province(self) -> str:
        """GB/T 2260 province of registration: characters 3–4 of the credit code (GB 32100)."""
        return self.uscc[2:4]

    @property
    def serving(self) -> bool:
        return self.ready and self.status == self.Status.ACTIVE


class Domain(DomainMixin):
    pass
