from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.Model):
    """What a queue requires and an agent has (语种, 业务线, 产品…)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team (班组) of agents under a team leader, who must be a supervisor."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="led_teams", verbose_name=_("team leader"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.leader_id and self.leader.role != "supervisor":
            raise ValidationError({"leader": _("A team leader must be a supervisor.")})


class Agent(models.Model):
    """The agent side of a user with the agent role: who they are at work, and what they can do."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agent")
    employee_number = models.CharField(
        _("employee number"), max_length=20, unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9-]{1,20}$", _("Up to 20 letters, digits or hyphens."),
                                   code="employee_number_format")],
    )
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True, related_name="agents",
                             verbose_name=_("team"))
    # None means free seating: the agent picks any free active seat at login.
    default_seat = models.ForeignKey("seats.Seat", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("default seat"))
    hire_date = models.DateField(_("hire date"))
    leave_date = models.DateField(_("leave date"), null=True, blank=True)
    skills = models.ManyToManyField(Skill, through="AgentSkill", related_name="agents")

    class Meta:
        ordering = ["employee_number"]

    def __str__(self) -> str:
        return f"{self.employee_number} {self.name}"

    def clean(self):
        if self.leave_date and self.hire_date and self.leave_date < self.hire_date:
            raise ValidationError({"leave_date": _("The leave date cannot be before the hire date.")})


class AgentSkill(models.Model):
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="agent_skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    proficiency = models.PositiveSmallIntegerField(
        _("proficiency"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "skill"], name="one_level_per_skill")]

    def __str__(self) -> str:
        return f"{self.skill} ({self.proficiency})"


class ReasonCode(models.Model):
    """Why an agent is not ready. The built-in ones exist in every tenant and cannot be renamed."""

    class Category(models.TextChoices):
        BREAK = "break", _("Break")
        LUNCH = "lunch", _("Lunch")
        TRAINING = "training", _("Training")
        MEETING = "meeting", _("Meeting")
        SYSTEM = "system", _("Set by the system")
        OTHER = "other", _("Other")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, default=Category.OTHER)
    built_in = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-built_in", "code"]

    def __str__(self) -> str:
        return self.name
