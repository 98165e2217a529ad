from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberRoute(models.Model):
    """Where calls to one of the tenant's access numbers go, and what happens when the queue is closed."""

    class ClosedAction(models.TextChoices):
        VOICEMAIL = "voicemail", _("Voicemail")
        MESSAGE = "message", _("Closed message, then hang up")
        QUEUE = "queue", _("Another queue")

    number = models.OneToOneField("compliance.NumberResource", on_delete=models.PROTECT, related_name="+")
    queue = models.ForeignKey("queues.Queue", on_delete=models.PROTECT, related_name="routes",
                              verbose_name=_("queue"))
    follow_queue_hours = models.BooleanField(
        _("follow the queue's hours"), default=True,
        help_text=_("Off: calls go to the queue at any hour."),
    )
    closed_action = models.CharField(_("when closed"), max_length=16, choices=ClosedAction.choices,
                                     default=ClosedAction.MESSAGE)
    closed_queue = models.ForeignKey("queues.Queue", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("queue when closed"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.number_id} → {self.queue}"

    def clean(self):
        if self.closed_action == self.ClosedAction.QUEUE:
            if self.closed_queue_id is None:
                raise ValidationError({"closed_queue": _("Choose the queue that takes calls out of hours.")})
            if self.closed_queue_id == self.queue_id:
                raise ValidationError({"closed_queue": _("Out-of-hours calls must go to another queue.")})
        elif self.closed_queue_id is not None:
            raise ValidationError({"closed_queue": _("A queue for closed hours is only used with that action.")})
