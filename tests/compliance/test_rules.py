"""Every audited rule driven to both outcomes: a holder built to break it, and the nearest holder that
keeps it. The sound holder (tests/compliance/conftest.py) has no findings at all."""

from datetime import date

import pytest
from django.core.management import call_command

from compliance.models import Licence, RulePolicy
from compliance.rules import RULES, Severity
from tests.compliance.conftest import SOUND, build, findings_of

JIANGSU_ONLY = {**SOUND["licence"], "coverage": ["32"], "issuer": "32"}
ZHEJIANG_ONLY = {**SOUND["licence"], "coverage": ["33"], "issuer": "33"}
TWO_PROVINCES = {**SOUND["licence"], "coverage": ["32", "33"], "issuer": "MIIT"}
BOTH_ENTITIES = [("head_office", "32", ["32", "33"])]

SCENARIOS = [
    # (rule, why, what breaks it, what keeps it)
    ("LIC-01", "a licence that expired yesterday",
     {"licence": {**SOUND["licence"], "valid_until": date(2026, 3, 31)}},
     {"licence": {**SOUND["licence"], "valid_until": date(2026, 4, 1)}}),
    ("LIC-02", "61 days left against 91",
     {"licence": {**SOUND["licence"], "valid_until": date(2026, 6, 1)}},
     {"licence": {**SOUND["licence"], "valid_until": date(2026, 7, 1)}}),
    ("LIC-03", "one province issued by MIIT", {"licence": {**JIANGSU_ONLY, "issuer": "MIIT"}}, {}),
    ("LIC-03", "two provinces issued by a province",
     {"licence": {**TWO_PROVINCES, "issuer": "32"}, "sites": [("32", "active", [])], "entities": BOTH_ENTITIES},
     {"licence": TWO_PROVINCES, "sites": [("32", "active", [])], "entities": BOTH_ENTITIES}),
    ("LIC-04", "an annual report missing on 1 April", {"reported": []}, {"reported": [2025]}),
    ("LIC-05", "a commercial tenant without a licence", {"licence": None, "numbers": []},
     {"licence": None, "numbers": [], "business_type": "self_use"}),
    ("TOP-01", "a centralized licence with two platforms",
     {"sites": [("32", "active", []), ("32", "active", [])]},
     {"sites": [("32", "active", []), ("32", "planned", [])]}),
    ("TOP-01", "a centralized licence with none", {"sites": [("32", "retired", [])]}, {}),
    ("TOP-02", "a distributed licence over 3 provinces with platforms in only 2",
     {"licence": {**TWO_PROVINCES, "coverage": ["31", "32", "33"], "topology": "distributed"},
      "sites": [("32", "active", []), ("33", "active", [])], "entities": [("head_office", "32", ["31", "32", "33"]),
                                                                          ("branch", "33", [])]},
     {"licence": {**TWO_PROVINCES, "topology": "distributed"},
      "sites": [("32", "active", []), ("33", "active", [])], "entities": [("head_office", "32", ["32", "33"]),
                                                                          ("branch", "33", [])]}),
    ("TOP-03", "a hybrid licence with a province no platform answers for",
     {"licence": {**TWO_PROVINCES, "topology": "hybrid"}, "sites": [("32", "active", [])],
      "entities": BOTH_ENTITIES},
     {"licence": {**TWO_PROVINCES, "topology": "hybrid"}, "sites": [("32", "active", ["33"])],
      "entities": BOTH_ENTITIES}),
    ("COV-01", "a platform outside the coverage",
     {"sites": [("31", "active", [])], "entities": [("head_office", "32", ["32"]), ("branch", "31", [])]},
     {"sites": [("32", "active", []), ("31", "planned", [])]}),
    ("COV-02", "seats sold in a province the operator's licence does not cover",
     {"province": "65", "operator_coverage": ["32"]}, {"province": "32", "operator_coverage": ["32"]}),
    ("COV-03", "a platform answering for an uncovered province", {"sites": [("32", "active", ["34"])]},
     {"sites": [("32", "active", ["32"])]}),
    ("BR-01", "a covered province nobody answers for", {"entities": [("head_office", "32", [])]}, {}),
    ("BR-02", "a platform province with neither head office nor branch",
     {"licence": TWO_PROVINCES, "sites": [("33", "active", [])],
      "entities": [("head_office", "32", ["32"]), ("subsidiary", "33", ["33"])]},
     {"licence": TWO_PROVINCES, "sites": [("33", "active", [])],
      "entities": [("head_office", "32", ["32"]), ("branch", "33", ["33"])]}),
    ("NUM-01", "an ordinary Beijing fixed number used by a commercial tenant",
     {"numbers": [{"number": "01065529988"}]},
     {"numbers": [{"number": "01065529988"}], "business_type": "self_use"}),
    ("NUM-02", "a 100xx carrier number allocated to a client", {"numbers": [{"number": "10086"}]},
     {"numbers": [{"number": "95555"}]}),
    ("NUM-03", "an SMS code routed to a voice queue", {"numbers": [{"number": "10690001"}]},
     {"numbers": [{"number": "10690001", "routed": ""}]}),
    ("NUM-04", "a 96 number of Jiangsu routed by a licence covering only Zhejiang",
     {"licence": ZHEJIANG_ONLY, "sites": [("33", "active", [])], "entities": [("head_office", "33", ["33"])],
      "numbers": [{"number": "96001", "province": "32"}]},
     {"licence": ZHEJIANG_ONLY, "sites": [("33", "active", [])], "entities": [("head_office", "33", ["33"])],
      "numbers": [{"number": "96001", "province": "33"}]}),
    ("NUM-05", "a commercial tenant using a number the operator holds",
     {"numbers": [{"number": "96001", "province": "32", "held_by_operator": True}]}, {}),
    ("NUM-06", "a routed number never filed in the national system",
     {"numbers": [{"number": "96001", "province": "32", "filed_on": None}]},
     {"numbers": [{"number": "96001", "province": "32", "filed_on": None, "routed": ""}]}),
    ("NUM-07", "a 400 number", {"numbers": [{"number": "4008001234"}]}, {}),
    ("SELF-01", "a self-use tenant with outsourced seats",
     {"business_type": "self_use", "licence": None, "numbers": [], "seats": {"outsourced": 1}},
     {"business_type": "self_use", "licence": None, "numbers": [], "seats": {"hosted": 1}}),
    ("OUT-01", "outbound calling without a written commitment", {"outbound": True},
     {"outbound": True, "licence": {**SOUND["licence"], "outbound_commitment_on": date(2024, 1, 1)}}),
]


@pytest.fixture
def found(world):
    def rules_for(changes: dict) -> list[str]:
        changes = dict(changes)
        coverage = changes.pop("operator_coverage", None)
        if coverage is not None:
            Licence.objects.filter(holder__schema_name="public").update(coverage=coverage)
        return world(**changes)

    return rules_for


@pytest.mark.parametrize(("rule_id", "why", "broken", "kept"), SCENARIOS, ids=[f"{s[0]} {s[1]}" for s in SCENARIOS])
def test_each_rule_finds_what_breaks_it_and_keeps_quiet_otherwise(found, rule_id, why, broken, kept):
    assert rule_id in found(broken), why
    assert rule_id not in found(kept), why


def test_every_audited_rule_has_a_scenario():
    audited = {rule_id for rule_id, spec in RULES.items() if spec.check is not None}
    assert audited == {scenario[0] for scenario in SCENARIOS}


def test_a_sound_holder_has_no_findings(world):
    assert world() == []


def test_the_annual_report_is_not_due_before_april(world):
    assert "LIC-04" not in world(today=date(2026, 3, 31), reported=[])


def test_messages_name_the_provinces_in_chinese(db):
    # given: a distributed licence over Jiangsu and Zhejiang with a platform in Jiangsu only
    client = build({**SOUND, "licence": {**TWO_PROVINCES, "topology": "distributed"}, "entities": BOTH_ENTITIES})

    # when
    finding = next(f for f in findings_of(client) if f.rule.id == "TOP-02")

    # then
    assert "浙江省" in finding.message and finding.severity == Severity.VIOLATION
    assert finding.hit.provinces == ("33",)


def test_an_uncertain_rule_follows_its_policy(db):
    # given: BR-02 broken (a platform in Zhejiang, where there is only a subsidiary)
    client = build({**SOUND, "licence": TWO_PROVINCES, "sites": [("33", "active", [])],
                    "entities": [("head_office", "32", ["32"]), ("subsidiary", "33", ["33"])]})

    # when: warn only, then off
    RulePolicy.objects.create(rule_id="BR-02", policy="warn")
    warned = [f.severity for f in findings_of(client) if f.rule.id == "BR-02"]
    RulePolicy.objects.filter(rule_id="BR-02").update(policy="off")
    silenced = [f for f in findings_of(client) if f.rule.id == "BR-02"]

    # then
    assert warned == [Severity.WARNING] and silenced == []


def test_the_rules_document_is_current():
    call_command("compliance_rules", check=True)
