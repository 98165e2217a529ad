from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import SeatMode

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", _("Up to 32 letters, digits, hyphens or underscores."), code="code_format"
)
extension_validator = RegexValidator(r"^\d{3,6}$", _("3 to 6 digits."), code="extension_format")


class Seat(models.Model):
    """A seat (座席): what the client pays for per month, and what an agent logs into."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("seat status", "Active")
        INACTIVE = "inactive", pgettext_lazy("seat status", "Inactive")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SeatMode.choices)
    # A platform site of the operator (public schema): the system the seat connects through.
    site = models.ForeignKey("compliance.PlatformSite", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("platform site"))
    extension = models.CharField(_("extension"), max_length=6, unique=True, validators=[extension_validator])
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.INACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
