from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write, by whom, on which tenant. Lives in the public schema so platform staff see them all."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, null=True, related_name="+")
    schema_name = models.CharField(max_length=63)
    actor_id = models.BigIntegerField(null=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"
