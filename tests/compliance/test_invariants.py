"""Topology and coverage invariants, for any coverage and any set of platform sites (hypothesis).

The holders are built in memory (rows with ids and their relations prefetched), so hypothesis can try
thousands of networks without a database: the rules only read what the facts loader prefetches.
"""

from datetime import date
from itertools import count

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance import provinces
from compliance.models import Licence, PlatformSite, ResponsibleEntity
from compliance.rules import RULES, Context, Holder, evaluate
from compliance.rules.licence import expected_issuer
from tenants.models import Client

TODAY = date(2026, 4, 1)
CODES = provinces.codes()
_ids = count(1)

province_sets = st.sets(st.sampled_from(CODES), min_size=1, max_size=8)
site_specs = st.lists(st.tuples(st.sampled_from(CODES), st.sampled_from(["planned", "active", "retired"]),
                                st.sets(st.sampled_from(CODES), max_size=4)), max_size=6)


def _licence(topology: str, coverage: set[str], sites, issuer: str | None = None) -> Licence:
    licence = Licence(pk=next(_ids), number=f"B2-P{next(_ids)}", topology=topology, coverage=sorted(coverage),
                      issuer=issuer or expected_issuer(sorted(coverage)), valid_from=date(2023, 1, 1),
                      valid_until=date(2028, 1, 1))
    built = [PlatformSite(pk=next(_ids), licence=licence, name=f"平台{n}", province=province, state=state,
                          responsible_for=sorted(responsible))
             for n, (province, state, responsible) in enumerate(sites)]
    # Everyone answers for everything, so only the topology and coverage rules can speak.
    entities = [ResponsibleEntity(pk=next(_ids), licence=licence, kind="head_office", province=code,
                                  answers_for=CODES) for code in CODES]
    licence._prefetched_objects_cache = {"sites": built, "entities": entities, "annual_reports": []}
    return licence


def _findings(licence: Licence) -> dict[str, list]:
    client = Client(pk=next(_ids), slug="p", legal_name="属性测试", uscc="91320100000000000X",
                    business_type="commercial")
    holder = Holder(client=client, licences=[licence], governing=[licence])
    policy = {rule_id: "on" for rule_id in RULES}
    found: dict[str, list] = {}
    for finding in evaluate([holder], context=Context(today=TODAY), policy=policy):
        found.setdefault(finding.rule.id, []).append(finding)
    return found


def _active(sites) -> list:
    return [site for site in sites if site[1] == "active"]


@settings(max_examples=300, deadline=None)
@given(coverage=province_sets, sites=site_specs)
def test_distributed_misses_exactly_the_covered_provinces_without_an_active_platform(coverage, sites):
    found = _findings(_licence("distributed", coverage, sites))
    missing = coverage - {province for province, _state, _resp in _active(sites)}
    reported = {code for f in found.get("TOP-02", []) for code in f.hit.provinces}
    assert reported == missing


@settings(max_examples=300, deadline=None)
@given(coverage=province_sets, sites=site_specs)
def test_centralized_is_sound_exactly_with_one_active_platform(coverage, sites):
    found = _findings(_licence("centralized", coverage, sites))
    assert ("TOP-01" in found) == (len(_active(sites)) != 1)


@settings(max_examples=300, deadline=None)
@given(coverage=province_sets, sites=site_specs)
def test_hybrid_misses_exactly_what_no_active_platform_answers_for(coverage, sites):
    found = _findings(_licence("hybrid", coverage, sites))
    answered = {code for province, _state, responsible in _active(sites) for code in (province, *responsible)}
    reported = {code for f in found.get("TOP-03", []) for code in f.hit.provinces}
    assert reported == coverage - answered


@settings(max_examples=300, deadline=None)
@given(coverage=province_sets, sites=site_specs)
def test_only_active_platforms_outside_the_coverage_are_findings(coverage, sites):
    found = _findings(_licence("hybrid", coverage, sites))
    outside = [site for site in _active(sites) if site[0] not in coverage]
    assert len(found.get("COV-01", [])) == len(outside)
    assert {code for f in found.get("COV-03", []) for code in f.hit.provinces} == {
        code for _p, _s, responsible in _active(sites) for code in responsible} - coverage


@settings(max_examples=200, deadline=None)
@given(coverage=province_sets, sites=site_specs, extra=st.sampled_from(CODES))
def test_activating_a_covered_platform_never_adds_a_topology_finding(coverage, sites, extra):
    # A platform inside the coverage can only reduce what distributed and hybrid licences miss.
    for topology in ("distributed", "hybrid"):
        before = _findings(_licence(topology, coverage, sites))
        after = _findings(_licence(topology, coverage, [*sites, (sorted(coverage)[0], "active", set())]))
        for rule_id in ("TOP-02", "TOP-03"):
            missing_before = {code for f in before.get(rule_id, []) for code in f.hit.provinces}
            missing_after = {code for f in after.get(rule_id, []) for code in f.hit.provinces}
            assert missing_after <= missing_before


@settings(max_examples=300, deadline=None)
@given(coverage=province_sets, issuer=st.sampled_from(["MIIT", *CODES]))
def test_the_issuer_is_miit_exactly_for_cross_region_coverage(coverage, issuer):
    found = _findings(_licence("centralized", coverage, [(sorted(coverage)[0], "active", set())], issuer=issuer))
    right = issuer == ("MIIT" if len(coverage) > 1 else next(iter(coverage)))
    assert ("LIC-03" in found) == (not right)
