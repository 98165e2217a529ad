"""The licence itself: validity, renewal, issuer, annual report, and that commercial tenants hold one."""

from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _

from compliance import provinces
from compliance.rules import subjects
from compliance.rules.registry import Hit, Severity, rule

RENEWAL_WINDOW = timedelta(days=90)


def _in_force(licence, today: date) -> bool:
    return licence.valid_from <= today <= licence.valid_until


@rule("LIC-01", title=_("The licence is in force"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s expired on %(date)s."),
      source="LICENCE_FACTS.md › The licence: validity 5 years")
def licence_in_force(holder, context):
    for licence in holder.licences:
        if licence.valid_until < context.today:
            yield Hit(subjects.of_licence(licence), {"number": licence.number, "date": licence.valid_until.isoformat()},
                      tuple(licence.coverage), licence)


@rule("LIC-02", title=_("Renewal is not left too late"), severity=Severity.WARNING,
      message=_("Licence %(number)s expires on %(date)s: file the renewal in the 90 days before."),
      source="LICENCE_FACTS.md › The licence: renew in the 90 days before expiry")
def renewal_due(holder, context):
    for licence in holder.licences:
        if context.today <= licence.valid_until <= context.today + RENEWAL_WINDOW:
            yield Hit(subjects.of_licence(licence), {"number": licence.number, "date": licence.valid_until.isoformat()},
                      tuple(licence.coverage), licence)


def expected_issuer(coverage: list[str]) -> str:
    """MIIT for two provinces or more, else the one province's communications administration."""
    return "MIIT" if len(coverage) > 1 else (coverage[0] if coverage else "")


def issuer_name(code: str) -> str:
    return "MIIT 工业和信息化部" if code == "MIIT" else f"{provinces.name(code)}通信管理局"


@rule("LIC-03", title=_("The issuer matches the coverage"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s covers %(count)d province(s) but is issued by %(issuer)s; it must be "
                "issued by %(expected)s."),
      source="LICENCE_FACTS.md › The licence: 2+ provinces → MIIT, one province → that province's administration",
      enforced_at=("applying a topology change",))
def issuer_matches_coverage(holder, context):
    for licence in holder.licences:
        expected = expected_issuer(licence.coverage)
        if licence.issuer != expected:
            yield Hit(subjects.of_licence(licence),
                      {"number": licence.number, "count": len(licence.coverage),
                       "issuer": issuer_name(licence.issuer), "expected": issuer_name(expected)},
                      tuple(licence.coverage), licence)


@rule("LIC-04", title=_("The annual report was filed"), severity=Severity.VIOLATION,
      message=_("Licence %(number)s has no annual report for %(year)d; filing closed on 31 March."),
      source="LICENCE_FACTS.md › The licence: annual report filed 10 January – 31 March for the previous year")
def annual_report_filed(holder, context):
    today = context.today
    year = today.year - 1
    if today <= date(today.year, 3, 31):
        return
    for licence in holder.licences:
        held_last_year = licence.valid_from <= date(year, 12, 31)
        if held_last_year and year not in {report.year for report in licence.annual_reports.all()}:
            yield Hit(f"{subjects.of_licence(licence)}:report:{year}", {"number": licence.number, "year": year},
                      tuple(licence.coverage), licence)


@rule("LIC-05", title=_("A commercial tenant runs under its own licence"), severity=Severity.VIOLATION,
      message=_("%(tenant)s runs a commercial call centre but holds no licence in force."),
      source="DOMAIN.md › Licence rules 8; LICENCE_FACTS.md › Conduct: renting a platform does not qualify",
      enforced_at=("activating a seat", "allocating a number"))
def commercial_tenant_licensed(holder, context):
    client = holder.client
    if subjects.is_commercial(client) and not any(_in_force(lic, context.today) for lic in holder.licences):
        yield Hit(subjects.of_tenant(client), {"tenant": client.legal_name}, (client.province,))
