"""Seat subscriptions; the invoice side arrives with the billing issue."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeatMode(models.TextChoices):
    HOSTED = "hosted", _("Hosted seat (托管座席)")
    OUTSOURCED = "outsourced", _("Outsourced staffed seat (外包座席)")


class Subscription(models.Model):
    """How many seats of one mode a tenant pays for: the cap the workspace enforces."""

    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="subscriptions")
    mode = models.CharField(_("mode"), max_length=16, choices=SeatMode.choices)
    quantity = models.PositiveIntegerField(_("seats"))
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "mode"], name="subscription_per_mode")]

    def __str__(self) -> str:
        return f"{self.tenant.slug} {self.mode} × {self.quantity}"
