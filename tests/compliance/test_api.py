"""The compliance API: the licence registry, topology change requests, audits and findings, the rule
catalogue and map on the platform host; a client's own compliance on its host; outbound calling.

Tests run in a rolled-back transaction, where `do_request_audit`'s on-commit queueing never fires: they
start a run through the API and then do the worker's part themselves (`services.do_run_audit`).
"""

import pytest

from compliance import services
from compliance.models import (
    AnnualReport,
    AuditRun,
    Finding,
    Licence,
    NumberResource,
    PlatformSite,
    RulePolicy,
    TopologyChange,
)
from compliance.rules import RULES
from tenants.models import Client

PLATFORM_LICENCE = "B2-20230158"  # the operator's: distributed in the registry, hybrid in fact (TOP-02)
BPO_LICENCE = "苏B2-20210456"  # bpo's own: centralized, Jiangsu only, one active site
BPO_FIXED_LINE = "number:02584561234"  # the demo's NUM-01: an ordinary number at a commercial call centre

NEW_LICENCE = {
    "number": "浙B2-20260001", "holder": "bpo", "scope": "domestic", "issuer": "33", "coverage": ["33"],
    "topology": "centralized", "valid_from": "2026-01-01", "valid_until": "2030-12-31",
}


def _licence(number: str) -> Licence:
    return Licence.objects.get(number=number)


def _audit(officer) -> int:
    """Start a run through the API, then run it as the worker would."""
    started = officer.post("/api/v1/compliance/audits/", format="json")
    assert started.status_code == 202, started.content
    services.do_run_audit(run_id=started.json()["id"])
    return started.json()["id"]


def _findings(client, **filters) -> list[dict]:
    response = client.get("/api/v1/compliance/findings/", {"page_size": 500, **filters})
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Roles ---------------------------------------------------------------------------------------------

def test_platform_admins_read_the_registry_and_compliance_officers_write_it(api):
    # given
    admin, officer = api("platform", "platform_admin"), api("platform", "compliance_officer")

    # when
    listed = admin.get("/api/v1/licences/")
    refused = admin.post("/api/v1/licences/", NEW_LICENCE, format="json")
    registered = officer.post("/api/v1/licences/", NEW_LICENCE, format="json")

    # then
    assert listed.status_code == 200
    assert {PLATFORM_LICENCE, BPO_LICENCE} <= {row["number"] for row in listed.json()["results"]}
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert registered.status_code == 201, registered.content
    assert Licence.objects.filter(number=NEW_LICENCE["number"]).count() == 1


@pytest.mark.parametrize("path", [
    "/api/v1/licences/", "/api/v1/platform-sites/", "/api/v1/responsible-entities/", "/api/v1/number-resources/",
    "/api/v1/topology-changes/", "/api/v1/compliance/audits/", "/api/v1/compliance/findings/",
    "/api/v1/compliance/rules/",
])
def test_finance_has_no_access_to_compliance(api, path):
    response = api("platform", "finance").get(path)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_only_a_compliance_officer_starts_an_audit(api):
    # when
    responses = [api("platform", role).post("/api/v1/compliance/audits/", format="json")
                 for role in ("platform_admin", "finance")]

    # then
    assert [response.status_code for response in responses] == [403, 403]
    assert not AuditRun.objects.exists()


# --- Licences ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("holder", ["bpo", "platform"])
def test_a_licence_is_registered_for_a_tenant_or_the_platform(api, holder):
    # given
    officer = api("platform", "compliance_officer")
    body = {**NEW_LICENCE, "holder": holder, "issuer": "MIIT", "coverage": ["33", "32", "33"],
            "outbound_commitment_on": "2026-02-01"}

    # when
    response = officer.post("/api/v1/licences/", body, format="json")

    # then
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["holder"], created["coverage"], created["issuer"]) == (holder, ["32", "33"], "MIIT")
    assert (created["sites"], created["entities"], created["annual_reports"]) == ([], [], [])
    stored = _licence(NEW_LICENCE["number"])
    assert stored.holder == (Client.objects.get(schema_name="public") if holder == "platform"
                             else Client.objects.get(slug="bpo"))
    assert stored.coverage == ["32", "33"] and str(stored.outbound_commitment_on) == "2026-02-01"


@pytest.mark.parametrize(("change", "field"), [
    ({"coverage": ["33", "99"]}, "coverage"),  # 99 is no GB/T 2260 province
    ({"coverage": []}, "coverage"),
    ({"issuer": "ZJ"}, "issuer"),
    ({"holder": "nobody"}, "holder"),
    ({"valid_until": "2025-12-31"}, "valid_until"),  # before valid_from
])
def test_a_licence_with_invalid_fields_is_refused_with_their_messages(api, change, field):
    # when
    response = api("platform", "compliance_officer").post("/api/v1/licences/", {**NEW_LICENCE, **change},
                                                          format="json")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid" and field in response.json()["error"]["details"]
    assert not Licence.objects.filter(number=NEW_LICENCE["number"]).exists()


def test_a_licence_whose_issuer_does_not_match_its_coverage_is_refused_and_not_stored(api):
    # when: one province, so its own administration issues it, not MIIT
    response = api("platform", "compliance_officer").post("/api/v1/licences/", {**NEW_LICENCE, "issuer": "MIIT"},
                                                          format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "LIC-03"
    assert not Licence.objects.filter(number=NEW_LICENCE["number"]).exists()


@pytest.mark.parametrize("change", [{"topology": "hybrid"}, {"coverage": ["32", "33"]}, {"issuer": "MIIT"}])
def test_topology_coverage_and_issuer_change_only_through_a_change_request(api, change):
    # given
    licence = _licence(BPO_LICENCE)

    # when
    response = api("platform", "compliance_officer").patch(f"/api/v1/licences/{licence.pk}/", change, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "TOP-04"
    stored = _licence(BPO_LICENCE)
    assert (stored.topology, stored.coverage, stored.issuer) == ("centralized", ["32"], "32")


def test_the_paperwork_of_a_licence_is_edited_directly(api):
    # given
    licence = _licence(BPO_LICENCE)

    # when
    response = api("platform", "compliance_officer").patch(
        f"/api/v1/licences/{licence.pk}/", {"valid_until": "2031-05-31", "document": "docs://licences/苏B2-20210456.pdf",
                                            "coverage": ["32"]}, format="json")

    # then: the same coverage again is no amendment
    assert response.status_code == 200, response.content
    stored = _licence(BPO_LICENCE)
    assert str(stored.valid_until) == "2031-05-31" and stored.document.endswith(".pdf")


def test_a_licence_does_not_move_to_another_holder(api):
    # when
    response = api("platform", "compliance_officer").patch(f"/api/v1/licences/{_licence(BPO_LICENCE).pk}/",
                                                           {"holder": "platform"}, format="json")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"holder": ["许可证不能转给其他持证主体。"]}
    assert _licence(BPO_LICENCE).holder.slug == "bpo"


@pytest.mark.parametrize(("query", "numbers"), [
    ({"holder": "bpo"}, {BPO_LICENCE}),
    ({"holder": "platform"}, {PLATFORM_LICENCE}),
    ({"topology": "distributed"}, {PLATFORM_LICENCE}),
    ({"holder": "bpo", "topology": "distributed"}, set()),
])
def test_licences_are_filtered_by_holder_and_topology(api, query, numbers):
    response = api("platform", "platform_admin").get("/api/v1/licences/", query)
    assert response.status_code == 200
    assert {row["number"] for row in response.json()["results"]} == numbers


@pytest.mark.parametrize("query", [{"holder": "nobody"}, {"topology": "ring"}])
def test_a_licence_filter_that_does_not_parse_is_a_400(api, query):
    response = api("platform", "platform_admin").get("/api/v1/licences/", query)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_filter"


def test_a_licence_shows_its_sites_entities_and_reports(api):
    # when
    body = api("platform", "platform_admin").get(f"/api/v1/licences/{_licence(PLATFORM_LICENCE).pk}/").json()

    # then
    assert [(site["name"], site["state"]) for site in body["sites"]] == [
        ("北京平台", "active"), ("上海平台", "active"), ("广州平台", "planned")]
    assert {entity["kind"] for entity in body["entities"]} == {"head_office", "branch"}
    assert 2025 in {report["year"] for report in body["annual_reports"]}


def test_an_annual_report_is_filed_once_per_year(api):
    # given: bpo's 2025 report not yet on file
    officer, licence = api("platform", "compliance_officer"), _licence(BPO_LICENCE)
    AnnualReport.objects.filter(licence=licence, year=2025).delete()
    path = f"/api/v1/licences/{licence.pk}/annual-reports/"

    # when
    filed = officer.post(path, {"year": 2025, "filed_on": "2026-03-20"}, format="json")
    again = officer.post(path, {"year": 2025, "filed_on": "2026-03-21"}, format="json")
    too_early = officer.post(path, {"year": 2024, "filed_on": "2024-12-01"}, format="json")

    # then
    assert filed.status_code == 201 and filed.json()["licence"] == licence.pk
    assert again.status_code == 409 and again.json()["error"]["code"] == "annual_report_exists"
    assert too_early.status_code == 400 and "filed_on" in too_early.json()["error"]["details"]
    assert [str(r.filed_on) for r in AnnualReport.objects.filter(licence=licence, year=2025)] == ["2026-03-20"]


# --- Platform sites and responsible entities ------------------------------------------------------

def test_platform_sites_are_filtered_by_licence_and_state(api):
    # given
    admin, licence = api("platform", "platform_admin"), _licence(PLATFORM_LICENCE)

    # when
    active = admin.get("/api/v1/platform-sites/", {"licence": licence.pk, "state": "active"})
    bad = admin.get("/api/v1/platform-sites/", {"state": "closed"})

    # then
    assert {row["name"] for row in active.json()["results"]} == {"北京平台", "上海平台"}
    assert bad.status_code == 400 and bad.json()["error"]["details"] == {"state": ["closed"]}


def test_a_site_is_renamed_but_stays_in_its_province(api):
    # given
    officer = api("platform", "compliance_officer")
    site = PlatformSite.objects.get(name="广州平台")

    # when
    renamed = officer.patch(f"/api/v1/platform-sites/{site.pk}/", {"name": "广州南沙平台", "city": "广州"},
                            format="json")
    moved = officer.patch(f"/api/v1/platform-sites/{site.pk}/", {"province": "45"}, format="json")

    # then
    assert renamed.status_code == 200 and renamed.json()["name"] == "广州南沙平台"
    assert moved.status_code == 400 and "province" in moved.json()["error"]["details"]
    assert PlatformSite.objects.get(pk=site.pk).province == "44"


def test_a_second_active_site_of_a_centralized_licence_is_refused(api):
    # given: a planned second platform for bpo's centralized licence
    officer = api("platform", "compliance_officer")
    planned = officer.post("/api/v1/platform-sites/", {
        "licence": _licence(BPO_LICENCE).pk, "name": "苏州平台", "province": "32", "city": "苏州", "state": "planned",
    }, format="json")
    assert planned.status_code == 201, planned.content

    # when
    response = officer.patch(f"/api/v1/platform-sites/{planned.json()['id']}/", {"state": "active"}, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "TOP-01"
    assert PlatformSite.objects.get(pk=planned.json()["id"]).state == "planned"


def test_responsible_entities_are_registered_and_updated(api):
    # given
    officer, licence = api("platform", "compliance_officer"), _licence(BPO_LICENCE)

    # when
    created = officer.post("/api/v1/responsible-entities/", {
        "licence": licence.pk, "name": "江苏远声外包服务有限公司苏州分公司", "kind": "branch", "province": "32",
    }, format="json")
    updated = officer.patch(f"/api/v1/responsible-entities/{created.json()['id']}/", {"answers_for": ["32", "32"]},
                            format="json")
    listed = officer.get("/api/v1/responsible-entities/", {"licence": licence.pk, "kind": "branch"})
    bad = officer.get("/api/v1/responsible-entities/", {"kind": "cousin"})

    # then
    assert created.status_code == 201, created.content
    assert updated.status_code == 200 and updated.json()["answers_for"] == ["32"]
    assert [row["name"] for row in listed.json()["results"]] == ["江苏远声外包服务有限公司苏州分公司"]
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"


# --- Topology change requests ----------------------------------------------------------------------

def test_the_operator_goes_hybrid_through_a_change_request_and_the_finding_is_resolved(api):
    # given: the registry says distributed while two platforms answer for half the country each
    officer, licence = api("platform", "compliance_officer"), _licence(PLATFORM_LICENCE)
    _audit(officer)
    assert [f["rule"] for f in _findings(officer, licence=licence.pk, rule="TOP-02")] == ["TOP-02"]

    # when: drafted, filed, approved, applied
    drafted = officer.post("/api/v1/topology-changes/", {
        "licence": licence.pk, "topology": "hybrid", "coverage": licence.coverage,
        "reason": "北京、上海两个平台各负责半个国家",
    }, format="json")
    change = f"/api/v1/topology-changes/{drafted.json()['id']}"
    steps = [
        officer.post(f"{change}/file/", {"filing_reference": "工信部备〔2026〕118号", "filed_on": "2026-05-06"},
                     format="json"),
        officer.post(f"{change}/approve/", {"approval_reference": "工信部电管函〔2026〕233号"}, format="json"),
    ]
    topology_before_applying = _licence(PLATFORM_LICENCE).topology
    applied = officer.post(f"{change}/apply/", format="json")

    # then: the licence changed at apply only, with its history kept
    assert drafted.status_code == 201 and drafted.json()["state"] == "draft" and drafted.json()["issuer"] == "MIIT"
    assert [(s.status_code, s.json()["state"]) for s in steps] == [(200, "filed"), (200, "approved")]
    assert topology_before_applying == "distributed"
    assert applied.status_code == 200 and applied.json()["state"] == "applied", applied.content
    assert applied.json()["previous"]["topology"] == "distributed"
    assert _licence(PLATFORM_LICENCE).topology == "hybrid"
    assert officer.get(f"{change}/").json()["filing_reference"] == "工信部备〔2026〕118号"

    # and then: the next audit resolves TOP-02 and finds no hybrid gap either
    run = _audit(officer)
    resolved = _findings(officer, licence=licence.pk, rule="TOP-02", state="resolved", run=run)
    assert len(resolved) == 1 and resolved[0]["resolved_at"] is not None
    assert _findings(officer, licence=licence.pk, rule="TOP-02") == []
    assert _findings(officer, licence=licence.pk, rule="TOP-03") == []


@pytest.mark.parametrize(("done", "step", "body"), [
    ([], "approve", {"approval_reference": "x"}),  # a draft is filed first
    ([], "apply", {}),
    (["file"], "apply", {}),  # filed, not yet approved
    (["reject"], "file", {"filing_reference": "x"}),  # a rejected request is over
])
def test_a_step_out_of_order_is_refused(api, done, step, body):
    # given
    officer, licence = api("platform", "compliance_officer"), _licence(BPO_LICENCE)
    change = services.do_draft_topology_change(actor=None, licence=licence, topology="distributed",
                                               coverage=["32", "33"])
    for previous in done:
        officer.post(f"/api/v1/topology-changes/{change.pk}/{previous}/", {"filing_reference": "苏备〔2026〕1号"},
                     format="json")
    state = TopologyChange.objects.get(pk=change.pk).state

    # when
    response = officer.post(f"/api/v1/topology-changes/{change.pk}/{step}/", body, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "topology_change_state"
    assert TopologyChange.objects.get(pk=change.pk).state == state
    assert _licence(BPO_LICENCE).topology == "centralized"


@pytest.mark.parametrize(("change", "field"), [
    ({"coverage": ["32", "99"]}, "coverage"),
    ({"topology": "ring"}, "topology"),
    ({"site_responsibilities": {"999999": ["32"]}}, "site_responsibilities"),  # not a site of this licence
])
def test_a_change_request_is_validated_when_drafted(api, change, field):
    # when
    response = api("platform", "compliance_officer").post("/api/v1/topology-changes/", {
        "licence": _licence(BPO_LICENCE).pk, "topology": "centralized", "coverage": ["32"], **change,
    }, format="json")

    # then
    assert response.status_code == 400 and field in response.json()["error"]["details"]
    assert not TopologyChange.objects.exists()


# --- Audits and findings -------------------------------------------------------------------------------

def test_an_audit_is_started_and_its_counts_shown(api):
    # given
    officer = api("platform", "compliance_officer")

    # when
    started = officer.post("/api/v1/compliance/audits/", format="json")
    services.do_run_audit(run_id=started.json()["id"])
    run = officer.get(started["Location"]).json()

    # then
    assert started.status_code == 202 and started.json()["state"] == "queued"
    assert run["state"] == "finished" and run["holders"] >= 3
    assert run["open_findings"] == run["new_findings"] == Finding.objects.filter(resolved_at=None).count() > 0
    assert api("platform", "platform_admin").get("/api/v1/compliance/audits/").json()["count"] == 1


def test_findings_carry_their_rule_holder_licence_and_message(api):
    # given
    officer = api("platform", "compliance_officer")
    _audit(officer)

    # when
    [finding] = _findings(officer, rule="TOP-02")

    # then
    assert finding["rule_title"] == str(RULES["TOP-02"].title)
    assert (finding["holder"], finding["licence_number"], finding["severity"]) == (
        "platform", PLATFORM_LICENCE, "violation")
    assert finding["subject"] == f"licence:{PLATFORM_LICENCE}" and "32" in finding["provinces"]
    assert finding["message"].startswith(f"许可证 {PLATFORM_LICENCE}") and "江苏省" in finding["message"]
    assert finding["first_seen"] == finding["last_seen"] and finding["resolved_at"] is None


def test_finding_messages_follow_the_request_language(api):
    # given
    officer = api("platform", "compliance_officer")
    _audit(officer)

    # when
    response = officer.get("/api/v1/compliance/findings/", {"rule": "TOP-02"}, HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.json()["results"][0]["message"].startswith(f"Licence {PLATFORM_LICENCE} is distributed")


@pytest.mark.parametrize(("query", "holds"), [
    ({"holder": "bpo"}, lambda f: f["holder"] == "bpo"),
    ({"rule": "NUM-01"}, lambda f: f["subject"] == BPO_FIXED_LINE),
    ({"severity": "warning"}, lambda f: f["severity"] == "warning"),
    ({"province": "32"}, lambda f: "32" in f["provinces"]),
    ({"holder": "platform", "severity": "violation"}, lambda f: (f["holder"], f["severity"]) == ("platform",
                                                                                                 "violation")),
])
def test_findings_are_filtered(api, query, holds):
    # given
    officer = api("platform", "compliance_officer")
    _audit(officer)

    # when
    filtered = _findings(officer, **query)

    # then: something was found, all of it matches, and the filter did leave something out
    assert filtered and all(holds(finding) for finding in filtered)
    assert len(filtered) < len(_findings(officer))


def test_findings_by_licence_and_run_and_state(api):
    # given: a first run, then bpo's fixed line taken back, then a second run
    officer, licence = api("platform", "compliance_officer"), _licence(BPO_LICENCE)
    first = _audit(officer)
    NumberResource.objects.filter(number="02584561234").update(tenant=None)
    second = _audit(officer)

    # then
    assert {f["licence_number"] for f in _findings(officer, licence=licence.pk)} == {BPO_LICENCE}
    assert [f["subject"] for f in _findings(officer, run=second, state="all")] == [BPO_FIXED_LINE]  # what changed
    assert BPO_FIXED_LINE in {f["subject"] for f in _findings(officer, run=first, state="all")}
    assert BPO_FIXED_LINE not in {f["subject"] for f in _findings(officer)}  # open, the default
    assert [f["subject"] for f in _findings(officer, state="resolved")] == [BPO_FIXED_LINE]
    assert len(_findings(officer, state="all")) == len(_findings(officer)) + 1


@pytest.mark.parametrize("query", [
    {"state": "closed"}, {"rule": "XYZ-99"}, {"severity": "fatal"}, {"holder": "nobody"}, {"licence": "abc"},
    {"licence": "999999"}, {"province": "99"}, {"run": "x"},
])
def test_a_findings_filter_that_does_not_parse_is_a_400(api, query):
    response = api("platform", "platform_admin").get("/api/v1/compliance/findings/", query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_filter" and set(error["details"]) == set(query)


# --- Rules and the map -------------------------------------------------------------------------------

def test_the_rule_catalogue_shows_every_rule_with_its_policy(api):
    # when
    listed = api("platform", "platform_admin").get("/api/v1/compliance/rules/").json()["results"]
    rows = {row["id"]: row for row in listed}

    # then
    assert set(rows) == set(RULES)
    assert (rows["BR-02"]["configurable"], rows["BR-02"]["policy"]) == (True, "on")
    assert (rows["LIC-01"]["configurable"], rows["LIC-01"]["policy"]) == (False, "on")
    assert rows["NUM-07"]["policy"] == "warn" and "activating a platform site" in rows["TOP-01"]["enforced_at"]
    assert rows["TOP-04"]["audited"] is False and rows["TOP-04"]["source"]


def test_a_configurable_rule_is_switched_to_warn_only(api):
    # given
    officer = api("platform", "compliance_officer")

    # when
    response = officer.patch("/api/v1/compliance/rules/BR-02/", {"policy": "warn"}, format="json")

    # then
    assert response.status_code == 200 and response.json()["policy"] == "warn"
    assert RulePolicy.objects.get(rule_id="BR-02").policy == "warn"
    assert officer.get("/api/v1/compliance/rules/BR-02/").json()["policy"] == "warn"


@pytest.mark.parametrize(("rule", "body", "status", "code"), [
    ("LIC-01", {"policy": "off"}, 409, "rule_not_configurable"),
    ("BR-02", {"policy": "maybe"}, 400, "invalid"),
    ("XYZ-99", {"policy": "off"}, 404, "not_found"),
])
def test_a_rule_policy_change_that_cannot_be_made_is_refused(api, rule, body, status, code):
    response = api("platform", "compliance_officer").patch(f"/api/v1/compliance/rules/{rule}/", body, format="json")
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not RulePolicy.objects.exists()


def test_the_map_colours_each_province_by_its_findings(api):
    # given
    admin = api("platform", "platform_admin")
    _audit(api("platform", "compliance_officer"))

    # when
    platform = admin.get(f"/api/v1/compliance/map/{_licence(PLATFORM_LICENCE).pk}/").json()
    bpo = admin.get(f"/api/v1/compliance/map/{_licence(BPO_LICENCE).pk}/").json()

    # then
    beijing, jiangsu = (next(p for p in platform["provinces"] if p["code"] == code) for code in ("11", "32"))
    assert len(platform["provinces"]) == 31 and all(p["covered"] for p in platform["provinces"])
    assert beijing["state"] == 1 and beijing["sites"] == ["北京平台 (运行中)"]  # a platform, no finding
    assert jiangsu["state"] == 3 and jiangsu["violations"] >= 1  # TOP-02: no platform in Jiangsu
    assert {p["code"] for p in bpo["provinces"] if p["covered"]} == {"32"}
    assert next(p for p in bpo["provinces"] if p["code"] == "33")["state"] == 0


# --- Number resources ----------------------------------------------------------------------------------

def test_a_number_resource_shows_who_holds_and_allocated_it(api):
    # when
    [row] = api("platform", "platform_admin").get("/api/v1/number-resources/", {"kind": "96"}).json()["results"]

    # then
    assert (row["number"], row["holder"], row["authority"], row["tenant"]) == ("96123", "bpo", "32", "bpo")
    assert row["filed_on"] == "2024-01-15" and row["certificate"]


def test_a_jiangsu_96_number_is_allocated_to_a_tenant_under_the_platform_licence(api):
    # given: registered, not yet allocated
    officer = api("platform", "compliance_officer")
    registered = officer.post("/api/v1/number-resources/", {
        "number": "96555", "province": "32", "holder": "platform", "authority": "32",
        "certificate": "苏号〔2026〕96555",
    }, format="json")
    assert registered.status_code == 201, registered.content
    path = f"/api/v1/number-resources/{registered.json()['id']}/"

    # when
    allocated = officer.patch(path, {"tenant": "acme"}, format="json")
    filed = officer.patch(path, {"filed_on": "2026-03-02"}, format="json")

    # then: acme is self-use, under the platform's licence, which covers every province
    assert allocated.status_code == 200 and allocated.json()["tenant"] == "acme", allocated.content
    assert filed.status_code == 200 and filed.json()["tenant"] == "acme"  # an edit keeps the allocation
    stored = NumberResource.objects.get(number="96555")
    assert (stored.tenant.slug, stored.holder.schema_name, str(stored.filed_on)) == ("acme", "public", "2026-03-02")


def test_a_96_number_outside_the_tenants_licence_is_refused_and_not_registered(api):
    # when: a Zhejiang 96 number for bpo, whose licence covers Jiangsu only
    response = api("platform", "compliance_officer").post("/api/v1/number-resources/", {
        "number": "96556", "province": "33", "tenant": "bpo", "holder": "bpo", "authority": "33",
    }, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "NUM-04"
    assert not NumberResource.objects.filter(number="96556").exists()


# --- A client's own compliance (tenant host) -------------------------------------------------------

def test_a_tenant_admin_sees_its_own_compliance_and_no_one_elses(api):
    # given: an audit has found something for both tenants
    _audit(api("platform", "compliance_officer"))

    # when
    acme = api("acme", "tenant_admin").get("/api/v1/compliance/")
    bpo = api("bpo", "supervisor").get("/api/v1/compliance/")

    # then
    assert acme.status_code == bpo.status_code == 200
    acme, bpo = acme.json(), bpo.json()
    assert ([(lic["number"], lic["own"]) for lic in acme["licences"]], acme["own_licence"]) == (
        [(PLATFORM_LICENCE, False)], False)
    assert ([(lic["number"], lic["own"]) for lic in bpo["licences"]], bpo["own_licence"]) == (
        [(BPO_LICENCE, True)], True)
    acme_subjects = {finding["subject"] for finding in acme["findings"]}
    assert acme_subjects == set(Finding.objects.filter(holder__slug="acme", resolved_at=None)
                                .values_list("subject", flat=True)) != set()
    assert BPO_FIXED_LINE in {finding["subject"] for finding in bpo["findings"]}
    assert not acme_subjects & {finding["subject"] for finding in bpo["findings"]}
    assert all(finding["message"] for finding in acme["findings"])
    assert acme["violations"] + acme["warnings"] == len(acme["findings"]) and acme["last_run"]["as_of"]


def test_an_agent_does_not_see_the_compliance_status(api):
    response = api("acme", "agent").get("/api/v1/compliance/")
    assert response.status_code == 403


# --- Outbound calling ----------------------------------------------------------------------------------

def test_outbound_calling_is_switched_under_a_licence_with_the_commitment(api):
    # when: acme is self-use, under the platform's licence, whose commitment is on file
    enabled = api("platform", "platform_admin").post("/api/v1/tenants/acme/outbound/", {"enabled": True}, format="json")
    enabled_in_db = Client.objects.get(slug="acme").outbound_enabled
    disabled = api("platform", "compliance_officer").post("/api/v1/tenants/acme/outbound/", {"enabled": False},
                                                          format="json")

    # then
    assert enabled.status_code == 200 and enabled.json()["outbound_enabled"] is True and enabled_in_db
    assert disabled.status_code == 200 and not Client.objects.get(slug="acme").outbound_enabled


def test_outbound_calling_without_a_commitment_is_refused(api):
    # given: bpo runs under its own licence, here without the written commitment
    Licence.objects.filter(number=BPO_LICENCE).update(outbound_commitment_on=None)

    # when
    response = api("platform", "compliance_officer").post("/api/v1/tenants/bpo/outbound/", {"enabled": True},
                                                          format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "OUT-01"
    assert Client.objects.get(slug="bpo").outbound_enabled is False


def test_finance_does_not_switch_outbound_calling(api):
    response = api("platform", "finance").post("/api/v1/tenants/acme/outbound/", {"enabled": True}, format="json")
    assert response.status_code == 403 and not Client.objects.get(slug="acme").outbound_enabled
