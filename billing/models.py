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
        ordering = ["tenant__slug", "mode"]
        constraints = [models.UniqueConstraint(fields=["tenant", "mode"], name="subscription_per_mode")]

    def __str__(self) -> str:
        return f"{self.tenant.slug} {self.mode} × {self.quantity}"


class SeatLedgerEntry(models.Model):
    """One seat switched on or off, written in the same transaction as the seat itself, so that billing
    can count seat-days exactly from this table alone. Never updated or deleted."""

    class Event(models.TextChoices):
        ACTIVATED = "activated", _("Activated")
        DEACTIVATED = "deactivated", _("Deactivated")

    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="seat_ledger")
    seat_id = models.BigIntegerField()  # the seat's id in the tenant's schema
    seat_code = models.CharField(max_length=32)
    mode = models.CharField(max_length=16, choices=SeatMode.choices)
    event = models.CharField(max_length=16, choices=Event.choices)
    at = models.DateTimeField(db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["tenant", "at"])]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.seat_code} {self.event} {self.at:%Y-%m-%d %H:%M}"
