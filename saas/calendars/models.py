from django.db import models
from django.utils.translation import gettext_lazy as _

from saas.holidays.models import DayKind


class CalendarDay(models.Model):
    """The tenant's own word on a date, over the national calendar: a company day off, or a public
    holiday on which this call centre works as on a weekday."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
