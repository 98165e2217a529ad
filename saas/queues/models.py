from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Queue(models.Model):
    """An ACD queue: which agents may take its calls, in what order, and what a caller is promised."""

    class Strategy(models.TextChoices):
        LONGEST_IDLE = "longest_idle", _("Longest idle agent")
        ROUND_ROBIN = "round_robin", _("Round robin")
        SKILLS_WEIGHTED = "skills_weighted", _("Skills-weighted by proficiency")

    class Overflow(models.TextChoices):
        NONE = "none", _("Keep waiting")
        QUEUE = "queue", _("Another queue")
        VOICEMAIL = "voicemail", _("Voicemail")
        CALLBACK = "callback", _("Offer a callback")

    name = models.CharField(_("name"), max_length=50, unique=True)
    required_skills = models.ManyToManyField("agents.Skill", blank=True, related_name="queues",
                                             verbose_name=_("required skills"))
    strategy = models.CharField(_("routing strategy"), max_length=20, choices=Strategy.choices,
                                default=Strategy.LONGEST_IDLE)
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=5, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("1 to 10; an agent serving several queues takes calls of the higher priority first."),
    )
    service_level_percent = models.PositiveSmallIntegerField(
        _("service level target (%)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    service_level_seconds = models.PositiveSmallIntegerField(
        _("answered within (s)"), default=20, validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )
    short_abandon_seconds = models.PositiveSmallIntegerField(
        _("short abandon threshold (s)"), default=20, validators=[MaxValueValidator(600)]
    )
    max_wait_seconds = models.PositiveIntegerField(_("maximum wait (s)"), null=True, blank=True,
                                                   validators=[MinValueValidator(1)])
    max_length = models.PositiveIntegerField(_("maximum callers waiting"), null=True, blank=True,
                                             validators=[MinValueValidator(1)])
    overflow_action = models.CharField(_("overflow"), max_length=16, choices=Overflow.choices,
                                       default=Overflow.NONE)
    overflow_queue = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("overflow queue"))
    ring_seconds = models.PositiveSmallIntegerField(
        _("ring time (s)"), default=15, validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text=_("How long a call rings at an agent before it goes to the next one."),
    )
    after_call_work_seconds = models.PositiveSmallIntegerField(
        _("after-call work (s)"), default=30, validators=[MaxValueValidator(1800)]
    )
    wrap_up_required = models.BooleanField(_("wrap-up code required"), default=False)
    always_open = models.BooleanField(_("open around the clock"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.overflow_action == self.Overflow.QUEUE:
            if self.overflow_queue_id is None:
                errors["overflow_queue"] = _("Choose the queue that takes the overflow.")
            elif self.pk and self.overflow_queue_id == self.pk:
                errors["overflow_queue"] = _("A queue cannot overflow into itself.")
        elif self.overflow_queue_id is not None:
            errors["overflow_queue"] = _("An overflow queue is only used when the overflow is another queue.")
        if self.overflow_action != self.Overflow.NONE and not (self.max_wait_seconds or self.max_length):
            errors["overflow_action"] = _("Overflow needs a maximum wait or a maximum number of callers.")
        if errors:
            raise ValidationError(errors)


class WrapUpCode(models.Model):
    """What an agent records at the end of a call in this queue (业务小结)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="wrap_up_codes")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["queue", "code"], name="wrap_up_code_per_queue")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OpeningHours(models.Model):
    """One opening interval of a queue on a day of the week, or on public holidays (day 7)."""

    HOLIDAY = 7
    DAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
            (5, _("Saturday")), (6, _("Sunday")), (HOLIDAY, _("Public holidays"))]

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="hours")
    day = models.PositiveSmallIntegerField(_("day"), choices=DAYS)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["day", "opens"]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})
