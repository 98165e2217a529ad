"""The compliance rules: each checks a licence holder's registered reality against its licence.

A rule has a stable id (`LIC-01`), a severity, a message in Chinese and English, and the source it
rests on. Rules on points where the sources disagree (`[?]` in LICENCE_FACTS.md) are `uncertain`: a
compliance officer switches them on, to warn only, or off (RulePolicy); the others are always on.
`docs/compliance-rules.md` is generated from this registry (`saas compliance_rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from compliance import provinces
from compliance.models import Licence, PlatformSite, RulePolicy

RENEWAL_WINDOW = timedelta(days=90)


class Severity(models.TextChoices):
    VIOLATION = "violation", _("Violation")
    WARNING = "warning", _("Warning")


class Policy(models.TextChoices):
    ON = "on", _("Enforce")
    WARN = "warn", _("Warn only")
    OFF = "off", _("Off")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    message: str  # with %(name)s placeholders filled from what the check yields
    severity: str
    source: str
    check: Callable[[Licence, date], Iterable[dict]]
    uncertain: bool = False
    default_policy: str = Policy.ON


@dataclass(frozen=True)
class Finding:
    rule: Rule
    severity: str  # the rule's, or a warning where the policy says warn
    subject: str  # what it is about, e.g. "licence:B2-20230158"
    params: dict

    @property
    def message(self) -> str:
        return str(self.rule.message) % self.params


RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, title, message, severity: str, source: str, uncertain: bool = False,
         default_policy: str = Policy.ON):
    def register(check):
        RULES[rule_id] = Rule(rule_id, title, message, severity, source, check, uncertain, default_policy)
        return check

    return register


def policies() -> dict[str, str]:
    """Every rule's policy in force: the officer's choice for uncertain rules, else the default."""
    chosen = dict(RulePolicy.objects.values_list("rule_id", "policy"))
    return {rule_id: (chosen.get(rule_id, spec.default_policy) if spec.uncertain else Policy.ON)
            for rule_id, spec in RULES.items()}


def evaluate(licences: Iterable[Licence], *, today: date, policy: dict[str, str] | None = None) -> Iterator[Finding]:
    """Findings for licences loaded with `sites` and `annual_reports` prefetched."""
    policy = policy or policies()
    for licence in licences:
        for spec in RULES.values():
            if policy[spec.id] == Policy.OFF:
                continue
            severity = Severity.WARNING if policy[spec.id] == Policy.WARN else spec.severity
            for params in spec.check(licence, today):
                yield Finding(spec, severity, f"licence:{licence.number}", {"number": licence.number, **params})


def _active_sites(licence: Licence) -> list[PlatformSite]:
    return [site for site in licence.sites.all() if site.state == PlatformSite.State.ACTIVE]


def _names(codes: Iterable[str]) -> str:
    return "、".join(provinces.name(code) for code in sorted(codes))


@rule("LIC-01", title=_("The licence is in force"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s expired on %(date)s."),
      source="LICENCE_FACTS.md › The licence: validity 5 years")
def licence_in_force(licence: Licence, today: date):
    if licence.valid_until < today:
        yield {"date": licence.valid_until.isoformat()}


@rule("LIC-02", title=_("Renewal is not left too late"), severity=Severity.WARNING,
      message=_("Licence %(number)s expires on %(date)s: file the renewal in the 90 days before."),
      source="LICENCE_FACTS.md › The licence: renew in the 90 days before expiry")
def renewal_due(licence: Licence, today: date):
    if today <= licence.valid_until <= today + RENEWAL_WINDOW:
        yield {"date": licence.valid_until.isoformat()}


@rule("LIC-03", title=_("The issuer matches the coverage"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s covers %(count)d province(s) but is issued by %(issuer)s; it must be "
                "issued by %(expected)s."),
      source="LICENCE_FACTS.md › The licence: 2+ provinces → MIIT, one province → that province's administration")
def issuer_matches_coverage(licence: Licence, today: date):
    expected = "MIIT" if len(licence.coverage) > 1 else (licence.coverage[0] if licence.coverage else "")
    if licence.issuer != expected:
        yield {"count": len(licence.coverage), "issuer": _issuer(licence.issuer), "expected": _issuer(expected)}


def _issuer(code: str) -> str:
    return "MIIT 工业和信息化部" if code == "MIIT" else f"{provinces.name(code)}通信管理局"


@rule("LIC-04", title=_("The annual report was filed"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s has no annual report for %(year)d; filing closed on 31 March."),
      source="LICENCE_FACTS.md › The licence: annual report filed 10 January – 31 March for the previous year")
def annual_report_filed(licence: Licence, today: date):
    year = today.year - 1
    deadline_passed = today > date(today.year, 3, 31)
    held_last_year = licence.valid_from <= date(year, 12, 31)
    if deadline_passed and held_last_year and year not in {report.year for report in licence.annual_reports.all()}:
        yield {"year": year}


@rule("TOP-01", title=_("A centralized licence runs exactly one platform"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s is centralized (集中式) and must run exactly one platform site; "
                "%(count)d are active."),
      source="DOMAIN.md › Licence rules 1 (seed 000); 信部电函〔2004〕288号")
def centralized_has_one_platform(licence: Licence, today: date):
    active = _active_sites(licence)
    if licence.topology == Licence.Topology.CENTRALIZED and len(active) != 1:
        yield {"count": len(active)}


@rule("TOP-02", title=_("A distributed licence has a platform in every covered province"),
      severity=Severity.VIOLATION,
      message=_("Licence %(number)s is distributed (分布式) but has no active platform site in %(provinces)s."),
      source="DOMAIN.md › Licence rules 1 (seed 000); 信部电函〔2004〕288号")
def distributed_covers_every_province(licence: Licence, today: date):
    if licence.topology != Licence.Topology.DISTRIBUTED:
        return
    missing = set(licence.coverage) - {site.province for site in _active_sites(licence)}
    if missing:
        yield {"provinces": _names(missing)}


@rule("COV-01", title=_("Every platform site is inside the coverage"), severity=Severity.VIOLATION,
      message=_("Platform site %(site)s of licence %(number)s is in %(province)s, outside the licence's coverage."),
      source="DOMAIN.md › Licence rules 3 (seed 000)")
def sites_inside_coverage(licence: Licence, today: date):
    for site in _active_sites(licence):
        if site.province not in licence.coverage:
            yield {"site": site.name, "province": provinces.name(site.province)}
