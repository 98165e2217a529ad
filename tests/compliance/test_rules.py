"""Each rule driven to both outcomes on a licence built for it."""

from datetime import date

import pytest
from django.core.management import call_command

from compliance.models import AnnualReport, Licence, PlatformSite, RulePolicy
from compliance.rules import RULES, Severity, evaluate
from tenants.models import Client

TODAY = date(2026, 4, 1)


@pytest.fixture
def licence(db):
    """A sound single-province centralized licence (Jiangsu), with its one site and last year's report."""

    serials = iter(range(1, 1000))

    def make(**changes):
        fields = {"number": f"苏B2-2023{next(serials):04d}", "issuer": "32", "coverage": ["32"],
                  "topology": "centralized", "valid_from": date(2023, 1, 1), "valid_until": date(2028, 1, 1)}
        sites = changes.pop("sites", [("南京平台", "32", "active")])
        reported = changes.pop("reported", [2025])
        made = Licence.objects.create(holder=Client.objects.get(slug="bpo"), **{**fields, **changes})
        for name, province, state in sites:
            PlatformSite.objects.create(licence=made, name=name, province=province, city="某市", state=state)
        for year in reported:
            AnnualReport.objects.create(licence=made, year=year, filed_on=date(year + 1, 3, 1))
        return Licence.objects.prefetch_related("sites", "annual_reports").get(pk=made.pk)

    return make


def _rules(licence, today=TODAY):
    return sorted(finding.rule.id for finding in evaluate([licence], today=today))


SCENARIOS = [
    # (rule, what breaks it, what keeps it)
    ("LIC-01", {"valid_until": date(2026, 3, 31)}, {"valid_until": date(2026, 4, 1)}),  # expired yesterday
    ("LIC-02", {"valid_until": date(2026, 6, 1)}, {"valid_until": date(2026, 7, 1)}),  # 61 vs 91 days left
    ("LIC-03", {"issuer": "MIIT"}, {"issuer": "32"}),  # one province: its own administration
    ("LIC-03", {"coverage": ["32", "33"], "issuer": "32", "sites": [("南京平台", "32", "active")]},
     {"coverage": ["32", "33"], "issuer": "MIIT"}),
    ("LIC-04", {"reported": []}, {"reported": [2025]}),  # due by 31 March, checked on 1 April
    ("TOP-01", {"sites": [("南京平台", "32", "active"), ("苏州平台", "32", "active")]},
     {"sites": [("南京平台", "32", "active"), ("苏州平台", "32", "planned")]}),
    ("TOP-01", {"sites": []}, {}),
    ("TOP-02", {"topology": "distributed", "coverage": ["32", "33", "31"], "issuer": "MIIT",
                "sites": [("南京平台", "32", "active"), ("杭州平台", "33", "active")]},
     {"topology": "distributed", "coverage": ["32", "33"], "issuer": "MIIT",
      "sites": [("南京平台", "32", "active"), ("杭州平台", "33", "active")]}),
    ("COV-01", {"sites": [("上海平台", "31", "active")]}, {"sites": [("南京平台", "32", "active")]}),
]


@pytest.mark.parametrize(("rule_id", "broken", "kept"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_each_rule_finds_what_breaks_it_and_nothing_else(licence, rule_id, broken, kept):
    assert rule_id in _rules(licence(**broken))
    assert rule_id not in _rules(licence(**kept))


def test_a_sound_licence_has_no_findings(licence):
    assert _rules(licence()) == []


def test_the_annual_report_is_not_due_before_april(licence):
    assert "LIC-04" not in _rules(licence(reported=[]), today=date(2026, 3, 31))


def test_messages_name_the_provinces_in_chinese(licence):
    finding = next(evaluate([licence(topology="distributed", issuer="MIIT", coverage=["32", "33"])], today=TODAY))
    assert finding.rule.id == "TOP-02" and "浙江省" in finding.message and finding.severity == Severity.VIOLATION


def test_an_uncertain_rule_follows_its_policy(licence, monkeypatch):
    # given: TOP-01 marked uncertain for this test, and set to warn only
    monkeypatch.setitem(RULES, "TOP-01", RULES["TOP-01"].__class__(**{**RULES["TOP-01"].__dict__, "uncertain": True}))
    RulePolicy.objects.create(rule_id="TOP-01", policy="warn")
    broken = licence(sites=[])

    # then
    assert [f.severity for f in evaluate([broken], today=TODAY) if f.rule.id == "TOP-01"] == [Severity.WARNING]
    RulePolicy.objects.filter(rule_id="TOP-01").update(policy="off")
    assert "TOP-01" not in _rules(broken)


def test_the_rules_document_is_current():
    call_command("compliance_rules", check=True)
