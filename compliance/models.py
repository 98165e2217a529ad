"""The licence registry (public schema): licences, platform sites, responsible entities, number
resources, topology change requests, and the audit runs with their findings."""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compliance import provinces
from compliance.numbers import NumberKind


def validate_province(code: str) -> None:
    if code not in provinces.codes():
        raise ValidationError(_("Not a mainland province code (GB/T 2260): %(code)s"), params={"code": code},
                              code="province")


def province_field(verbose_name, **options):
    return models.CharField(verbose_name, max_length=2, validators=[validate_province], **options)


def provinces_field(verbose_name, **options):
    return ArrayField(models.CharField(max_length=2, validators=[validate_province]), verbose_name=verbose_name,
                      **options)


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
    coverage = provinces_field(_("coverage provinces"))
    topology = models.CharField(_("topology"), max_length=16, choices=Topology.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document = models.CharField(_("scanned document"), max_length=200, blank=True,
                                help_text=_("Where the scanned licence is kept (document store reference)."))
    # 工信部信管〔2020〕81号: outbound calling needs a written commitment filed with the authority.
    outbound_commitment_on = models.DateField(_("outbound commitment filed on"), null=True, blank=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("A licence ends after it starts.")})
        if not self.coverage:
            raise ValidationError({"coverage": _("A licence covers at least one province.")})


class PlatformSite(models.Model):
    """A system platform (平台) of a licence: where seats connect through."""

    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", pgettext_lazy("platform site state", "Active")
        RETIRED = "retired", _("Retired")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=100)
    province = province_field(_("province"))
    city = models.CharField(_("city"), max_length=50)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PLANNED)
    # Hybrid topology: the provinces this platform answers for, as the licence's 特别规定事项 states.
    responsible_for = provinces_field(_("responsible for provinces"), default=list, blank=True)

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
    # "MIIT", a province's GB/T 2260 code, or "carrier" (400/800 come from a carrier's IN platform).
    authority = models.CharField(_("allocated by"), max_length=8, blank=True)
    holder = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="held_numbers", verbose_name=_("holder"))
    certificate = models.CharField(_("certificate number"), max_length=40, blank=True)
    filed_on = models.DateField(_("filed in the national number-resource system on"), null=True, blank=True)
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

    def clean(self):
        if self.filed_on and self.year and self.filed_on.year <= self.year:
            raise ValidationError({"filed_on": _("An annual report is filed after the year it reports on.")})


class RulePolicy(models.Model):
    """A compliance officer's choice for a rule whose legal basis is uncertain: on, warn or off."""

    rule_id = models.CharField(max_length=16, unique=True)
    policy = models.CharField(max_length=8, choices=[("on", _("Enforce")), ("warn", _("Warn only")), ("off", _("Off"))])
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.policy}"


class ResponsibleEntity(models.Model):
    """The head office, a branch or a subsidiary designated to answer for some covered provinces
    (信部电函〔2004〕288号)."""

    class Kind(models.TextChoices):
        HEAD_OFFICE = "head_office", _("Head office (总部)")
        BRANCH = "branch", _("Branch office (分支机构)")
        SUBSIDIARY = "subsidiary", _("Subsidiary (子公司)")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="entities")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    province = province_field(_("province"))
    answers_for = provinces_field(_("answers for provinces"), default=list, blank=True)

    class Meta:
        ordering = ["licence", "kind", "name"]
        verbose_name_plural = "responsible entities"
        constraints = [models.UniqueConstraint(fields=["licence", "name"], name="entity_name_per_licence")]

    def __str__(self) -> str:
        return self.name


class TopologyChange(models.Model):
    """A change of a licence's topology, coverage or site responsibilities (特别规定事项): filed with the
    issuing authority and approved before it is applied. Applying is the only way those fields change."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FILED = "filed", _("Filed with the authority")
        APPROVED = "approved", _("Approved (licence amended)")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="topology_changes")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    topology = models.CharField(_("new topology"), max_length=16, choices=Licence.Topology.choices)
    coverage = provinces_field(_("new coverage provinces"))
    issuer = models.CharField(_("new issuer"), max_length=8)
    # {site id: [provinces]}: what each platform site answers for once applied (hybrid topology).
    site_responsibilities = models.JSONField(_("site responsibilities"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    filing_reference = models.CharField(_("filing reference"), max_length=100, blank=True)
    approval_reference = models.CharField(_("approval reference"), max_length=100, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    # What the licence said before applying: the amendment history.
    previous = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.licence} → {self.topology} ({self.state})"


class AuditRun(models.Model):
    """One pass of every rule over every licence holder, nightly or on demand."""

    class Trigger(models.TextChoices):
        NIGHTLY = "nightly", _("Nightly")
        MANUAL = "manual", _("On demand")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        FAILED = "failed", _("Failed")

    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.QUEUED)
    requested_by = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    as_of = models.DateField(_("checked as of"), null=True, blank=True)
    holders = models.PositiveIntegerField(_("licence holders checked"), default=0)
    open_findings = models.PositiveIntegerField(_("open findings"), default=0)
    new_findings = models.PositiveIntegerField(_("new findings"), default=0)
    resolved_findings = models.PositiveIntegerField(_("resolved findings"), default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"audit {self.pk} {self.state}"


class Finding(models.Model):
    """A rule broken by one subject (a licence, site, number or tenant), kept open from the run that
    first saw it until a run no longer does."""

    rule_id = models.CharField(_("rule"), max_length=16)
    severity = models.CharField(_("severity"), max_length=16)
    subject = models.CharField(_("subject"), max_length=100)
    holder = models.ForeignKey("tenants.Client", on_delete=models.PROTECT, related_name="findings",
                               verbose_name=_("licence holder"))
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, null=True, blank=True, related_name="findings")
    provinces = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    params = models.JSONField(default=dict)
    first_run = models.ForeignKey(AuditRun, on_delete=models.PROTECT, related_name="+")
    first_seen = models.DateTimeField(_("first seen"))
    last_run = models.ForeignKey(AuditRun, on_delete=models.PROTECT, related_name="+")
    last_seen = models.DateTimeField(_("last seen"))
    resolved_run = models.ForeignKey(AuditRun, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen", "rule_id", "subject"]
        constraints = [models.UniqueConstraint(fields=["rule_id", "subject"], condition=models.Q(resolved_at=None),
                                               name="one_open_finding_per_rule_and_subject")]
        indexes = [models.Index(fields=["holder", "resolved_at"]), models.Index(fields=["rule_id", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.subject}"
