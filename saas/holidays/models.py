from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Day off")
    WORKDAY = "workday", _("Working day")


class PublicHoliday(models.Model):
    """A day of mainland China's public-holiday arrangement that differs from an ordinary week: a
    day off, or a weekend day worked in exchange (调休). Kept by platform staff for every tenant."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50)
    # False for days known only from the statutory rules, before the State Council's notice for the year.
    official = models.BooleanField(_("from the State Council's notice"), default=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
