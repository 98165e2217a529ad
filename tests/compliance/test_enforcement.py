"""Enforcement: an action that would create a violation answers 409 with the rule's id and stores
nothing: no row, no change, no audit event, no ledger entry."""

from datetime import date

import pytest

from billing.models import SeatLedgerEntry, Subscription
from billing.services import do_subscribe
from compliance import services
from compliance.models import Licence, NumberResource, PlatformSite, ResponsibleEntity, RulePolicy
from saas.api.errors import Conflict
from saas.audit.models import AuditEvent
from tenants.models import Client


@pytest.fixture
def audit_count(db):
    return lambda: AuditEvent.objects.count()


def _refused(code: str, action, **kwargs) -> Conflict:
    with pytest.raises(Conflict) as refused:
        action(actor=None, **kwargs)
    assert refused.value.code == code, refused.value.message
    return refused.value


def _bpo_licence() -> Licence:
    return Licence.objects.get(number="苏B2-20210456")


def test_a_second_active_platform_of_a_centralized_licence_is_refused(tenant, audit_count):
    # given: bpo's centralized licence runs 南京平台; a second site is registered as planned
    site = services.do_register_site(actor=None, licence=_bpo_licence(), name="苏州平台", province="32", city="苏州")
    events = audit_count()

    # when
    refusal = _refused("TOP-01", services.do_update_site, instance=site, state="active")

    # then
    assert PlatformSite.objects.get(pk=site.pk).state == "planned" and audit_count() == events
    assert refusal.details["violations"][0]["rule"] == "TOP-01"


def test_a_platform_outside_the_coverage_cannot_be_activated(db):
    # given: bpo covers Jiangsu only; a site in Zhejiang is planned
    site = services.do_register_site(actor=None, licence=_bpo_licence(), name="杭州平台", province="33", city="杭州")
    PlatformSite.objects.filter(licence=_bpo_licence(), name="南京平台").update(state="retired")

    # when / then
    _refused("COV-01", services.do_update_site, instance=site, state="active")
    assert PlatformSite.objects.get(pk=site.pk).state == "planned"


def test_a_platform_needs_a_branch_in_its_province_unless_the_policy_says_otherwise(db):
    # given: the operator's planned 广州平台; the operator has no branch in Guangdong
    guangzhou = PlatformSite.objects.get(name="广州平台")

    # when / then: refused while BR-02 is enforced
    _refused("BR-02", services.do_update_site, instance=guangzhou, state="active")
    assert PlatformSite.objects.get(pk=guangzhou.pk).state == "planned"

    # and allowed once a branch is registered there
    services.do_register_entity(actor=None, licence=guangzhou.licence, name="广州分公司", kind="branch",
                                province="44", answers_for=[])
    assert services.do_update_site(actor=None, instance=guangzhou, state="active").state == "active"


def test_a_warn_only_policy_lets_the_action_through(db):
    RulePolicy.objects.create(rule_id="BR-02", policy="warn")
    guangzhou = PlatformSite.objects.get(name="广州平台")
    assert services.do_update_site(actor=None, instance=guangzhou, state="active").state == "active"


def test_topology_and_coverage_change_only_through_the_workflow(db):
    # given
    licence = _bpo_licence()

    # when / then
    refusal = _refused("TOP-04", services.do_update_licence, instance=licence, coverage=["32", "33"])
    assert refusal.details["fields"] == ["coverage"] and _bpo_licence().coverage == ["32"]
    assert services.do_update_licence(actor=None, instance=licence, document="scan/2021-0456.pdf").document


def test_applying_a_change_the_network_does_not_match_is_refused(db):
    # given: bpo asks to go distributed over Jiangsu and Zhejiang, with no platform in Zhejiang yet
    change = services.do_draft_topology_change(actor=None, licence=_bpo_licence(), topology="distributed",
                                               coverage=["32", "33"])
    services.do_file_topology_change(actor=None, change=change)
    services.do_approve_topology_change(actor=None, change=change)

    # when
    with pytest.raises(Conflict) as refused:
        services.do_apply_topology_change(actor=None, change=change)

    # then: the amended licence would have Zhejiang without a platform and no one answering for it
    assert {v["rule"] for v in refused.value.details["violations"]} == {"TOP-02", "BR-01"}
    assert refused.value.code in {"TOP-02", "BR-01"}
    assert _bpo_licence().topology == "centralized" and change.__class__.objects.get(pk=change.pk).state == "approved"


@pytest.mark.parametrize(("number", "fields", "tenant_slug", "code"), [
    ("10010", {}, "acme", "NUM-02"),  # a carrier's own number
    ("01065529988", {"holder": "bpo"}, "bpo", "NUM-01"),  # an ordinary Beijing line for a commercial centre
    ("96777", {"province": "33", "holder": "bpo"}, "bpo", "NUM-04"),  # Zhejiang 96 under a Jiangsu licence
    ("96778", {"province": "32"}, "bpo", "NUM-05"),  # bpo must hold its numbers itself
])
def test_a_number_that_may_not_be_used_is_not_allocated(tenant, number, fields, tenant_slug, code):
    # given
    fields = {**fields, "holder": tenant(fields["holder"])} if "holder" in fields else fields
    events = AuditEvent.objects.count()

    # when
    _refused(code, services.do_register_number, number=number, tenant=tenant(tenant_slug), **fields)

    # then
    assert not NumberResource.objects.filter(number=number).exists() and AuditEvent.objects.count() == events


def test_allocating_a_registered_number_is_checked_too(tenant):
    # given: a Zhejiang 96 number registered unallocated
    number = services.do_register_number(actor=None, number="96779", province="33", holder=tenant("bpo"))

    # when / then
    _refused("NUM-04", services.do_allocate_number, instance=number, tenant=tenant("bpo"))
    assert NumberResource.objects.get(pk=number.pk).tenant is None


def test_routing_an_unfiled_number_or_an_sms_code_is_refused(api, tenant):
    # given: two numbers allocated to acme, one never filed, one an SMS code
    admin = api("acme", "tenant_admin")
    queue = admin.post("/api/v1/queues/", {"name": "热线"}, format="json").json()["id"]
    unfiled = services.do_register_number(actor=None, number="95188", tenant=tenant("acme"))
    sms = services.do_register_number(actor=None, number="1069012345", tenant=tenant("acme"),
                                      filed_on=date(2024, 1, 1))

    # when
    refusals = [admin.patch(f"/api/v1/numbers/{number.pk}/", {"queue": queue}, format="json")
                for number in (unfiled, sms)]

    # then
    assert [(r.status_code, r.json()["error"]["code"]) for r in refusals] == [(409, "NUM-06"), (409, "NUM-03")]
    routes = NumberResource.objects.filter(pk__in=[unfiled.pk, sms.pk]).values_list("routed_queue", flat=True)
    assert set(routes) == {""}


def test_a_self_use_tenant_cannot_choose_outsourced_seats(api, tenant):
    # given
    admin = api("acme", "tenant_admin")

    # when
    seat = admin.post("/api/v1/seats/", {"code": "X001", "name": "外包", "kind": "outsourced", "extension": "7901"},
                      format="json")
    _refused("SELF-01", do_subscribe, tenant=tenant("acme"), mode="outsourced", quantity=5)

    # then
    assert seat.status_code == 409 and seat.json()["error"]["code"] == "SELF-01"
    assert admin.get("/api/v1/seats/?kind=outsourced").json()["count"] == 0
    assert not Subscription.objects.filter(tenant=tenant("acme"), mode="outsourced").exists()


def test_seats_cannot_be_sold_where_the_operator_holds_no_coverage(api, tenant):
    # given: the operator's licence no longer covers Zhejiang, where acme is registered
    Licence.objects.filter(number="B2-20230158").update(coverage=[code for code in
                                                                  Licence.objects.get(number="B2-20230158").coverage
                                                                  if code != "33"])
    admin = api("acme", "tenant_admin")
    ledger = SeatLedgerEntry.objects.filter(tenant=tenant("acme")).count()

    seat = _seat_id(admin, "A013")  # one of acme's three inactive demo seats

    # when
    response = admin.post(f"/api/v1/seats/{seat}/activate/")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "COV-02"
    assert SeatLedgerEntry.objects.filter(tenant=tenant("acme")).count() == ledger
    assert admin.get(f"/api/v1/seats/{seat}/").json()["status"] == "inactive"


def _seat_id(admin, code: str) -> int:
    return next(row["id"] for row in admin.get("/api/v1/seats/?page_size=500").json()["results"] if row["code"] == code)


def test_a_seat_cannot_connect_through_another_holders_platform(api, tenant):
    # given: acme asks for a seat on bpo's own platform
    admin = api("acme", "tenant_admin")
    bpo_site = PlatformSite.objects.get(name="南京平台")

    # when
    response = admin.post("/api/v1/seats/", {"code": "X002", "name": "借用", "kind": "hosted", "extension": "7902",
                                             "site": bpo_site.pk, "active": True}, format="json")

    # then
    assert response.status_code == 409 and response.json()["error"]["code"] == "SEAT-01"
    assert admin.get("/api/v1/seats/?page_size=500").json()["count"] == 15


def test_outbound_calling_needs_the_written_commitment(tenant):
    # given: bpo's licence has no commitment on file
    Licence.objects.filter(number="苏B2-20210456").update(outbound_commitment_on=None)

    # when / then
    _refused("OUT-01", services.do_set_outbound, tenant=tenant("bpo"), enabled=True)
    assert Client.objects.get(slug="bpo").outbound_enabled is False
    assert services.do_set_outbound(actor=None, tenant=tenant("acme"), enabled=True).outbound_enabled


def test_existing_findings_elsewhere_do_not_block_unrelated_work(tenant):
    # given: bpo already breaks NUM-01 (its fixed line) — a finding, not a reason to stop its seats
    assert ResponsibleEntity.objects.filter(licence=_bpo_licence()).exists()

    # when
    site = services.do_register_site(actor=None, licence=_bpo_licence(), name="无锡备用平台", province="32",
                                     city="无锡")

    # then
    assert site.pk is not None


def test_a_commercial_tenant_without_a_licence_in_force_gets_no_numbers(tenant):
    # given: bpo's licence lapsed
    Licence.objects.filter(number="苏B2-20210456").update(valid_until=date(2026, 1, 1))

    # when / then
    _refused("LIC-05", services.do_register_number, number="96780", province="32", holder=tenant("bpo"),
             tenant=tenant("bpo"))
    assert not NumberResource.objects.filter(number="96780").exists()


def test_a_licence_with_an_open_finding_can_still_record_its_papers(db):
    # given: the operator's licence has its TOP-02 (registered distributed, runs hybrid)
    licence = Licence.objects.get(number="B2-20230158")

    # when
    updated = services.do_update_licence(actor=None, instance=licence, document="scan/B2-20230158.pdf",
                                         coverage=list(reversed(licence.coverage)))

    # then: the same provinces in another order are no amendment
    assert updated.document == "scan/B2-20230158.pdf" and sorted(updated.coverage) == sorted(licence.coverage)


def test_a_change_request_names_provinces_by_their_codes(db):
    with pytest.raises(Exception) as refused:
        services.do_draft_topology_change(actor=None, licence=_bpo_licence(), topology="hybrid", coverage=["32", "99"])
    assert refused.value.code == "invalid" and "coverage" in refused.value.details
    change = services.do_draft_topology_change(actor=None, licence=_bpo_licence(), topology="centralized",
                                               coverage=["32", "32"])
    assert change.coverage == ["32"] and change.issuer == "32"
