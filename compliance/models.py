"""The licence registry. Issue-by-issue this grows into platforms, branches, numbers and rules."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compliance.numbers import NumberKind


class Licence(models.Model):
    """A 呼叫中心业务经营许可证 (B24) held by the platform operator or by a commercial tenant."""

    class Scope(models.TextChoices):
        DOMESTIC = "domestic", _("Domestic call centre (国内呼叫中心业务)")
        OFFSHORE = "offshore", _("Offshore call centre (离岸呼叫中心业务)")

    class Topology(models.TextChoices):
        CENTRALIZED = "centralized", _("Centralized (集中式)")
        DISTRIBUTED = "distributed", _("Distributed (分布式)")
        HYBRID = "hybrid", _("Hybrid (集中分布式 / 其他方式)")

    holder = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="licences")
    number = models.CharField(_("licence number"), max_length=40, unique=True)
    category = models.CharField(_("category"), max_length=8, default="B24")
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices, default=Scope.DOMESTIC)
    # "MIIT" for cross-region licences, else the GB/T 2260 code of the issuing province.
    issuer = models.CharField(_("issuer"), max_length=8)
    coverage = ArrayField(models.CharField(max_length=2), verbose_name=_("coverage provinces"))
    topology = models.CharField(_("topology"), max_length=16, choices=Topology.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class PlatformSite(models.Model):
    """A system platform (平台) of a licence: where seats connect through. The compliance issue adds
    the provinces a site answers for and the rules that hold sites against their licence."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", pgettext_lazy("platform site state", "Active")
        RETIRED = "retired", _("Retired")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=2)  # GB/T 2260
    city = models.CharField(_("city"), max_length=50)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PLANNED)

    class Meta:
        ordering = ["licence", "name"]
        constraints = [models.UniqueConstraint(fields=["licence", "name"], name="site_name_per_licence")]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"


class NumberResource(models.Model):
    """An access number (码号资源), unique across the platform, allocated by the platform to a tenant.

    The tenant routes it (its schema's NumberRoute); the route's queue is mirrored here in the same
    transaction so that compliance sees every routing without reading tenant schemas.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=NumberKind.choices)
    province = models.CharField(_("province"), max_length=2, blank=True)  # GB/T 2260, where it has one
    tenant = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="numbers", verbose_name=_("allocated to"))
    routed_queue = models.CharField(_("routed to queue"), max_length=50, blank=True)
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class AnnualReport(models.Model):
    """A licence's annual report (年报) for one year, filed in the first quarter of the next."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="annual_reports")
    year = models.PositiveSmallIntegerField(_("year reported on"))
    filed_on = models.DateField(_("filed on"))

    class Meta:
        ordering = ["licence", "year"]
        constraints = [models.UniqueConstraint(fields=["licence", "year"], name="one_report_per_year")]

    def __str__(self) -> str:
        return f"{self.licence} {self.year}"


class RulePolicy(models.Model):
    """A compliance officer's choice for a rule whose legal basis is uncertain: on, warn or off."""

    rule_id = models.CharField(max_length=16, unique=True)
    policy = models.CharField(max_length=8, choices=[("on", _("Enforce")), ("warn", _("Warn only")), ("off", _("Off"))])
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.policy}"
