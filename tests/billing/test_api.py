"""The billing API: finance writes, platform admins read, a client admin reads its own issued invoices."""

from __future__ import annotations

import pytest
from django.utils import timezone

from billing import services
from billing.models import Invoice, InvoiceRun, Plan
from billing.pricing import Period
from tenants.models import Client
from tests.billing.conftest import make_tenants, seats_all_month

LAST_MONTH = Period.before(timezone.localdate())


def demo_invoices() -> list[Invoice]:
    run = services.do_request_invoice_run(actor=None, period=str(LAST_MONTH), queue=False)
    services.do_run_invoices(run_id=run.pk)
    return list(Invoice.objects.filter(period=str(LAST_MONTH)))


def test_finance_creates_a_plan_with_tiers(api):
    # when
    response = api("platform", "finance").post("/api/v1/billing/plans/", {
        "code": "outsourced-2027", "name": "外包座席 2027", "mode": "outsourced", "unit_price_fen": 700000,
        "vat_rate": "0.0600", "tax_inclusive": False, "tiers": [{"from_seat": 51, "unit_price_fen": 650000}]},
        format="json")

    # then
    assert response.status_code == 201, response.content
    plan = Plan.objects.get(code="outsourced-2027")
    assert plan.tiers() == [(1, 700000), (51, 650000)]
    assert response.json()["tiers"] == [{"from_seat": 51, "unit_price_fen": 650000}]


def test_a_tier_from_the_first_seat_is_refused_and_nothing_is_stored(api):
    # when
    response = api("platform", "finance").post("/api/v1/billing/plans/", {
        "code": "bad", "name": "坏", "mode": "hosted", "unit_price_fen": 100,
        "tiers": [{"from_seat": 1, "unit_price_fen": 50}]}, format="json")

    # then
    assert response.status_code == 400
    assert not Plan.objects.filter(code="bad").exists()


def test_a_new_default_plan_takes_over_its_mode(api):
    # when
    response = api("platform", "finance").post("/api/v1/billing/plans/", {
        "code": "hosted-2027", "name": "托管 2027", "mode": "hosted", "unit_price_fen": 28000, "is_default": True},
        format="json")

    # then
    assert response.status_code == 201, response.content
    assert list(Plan.objects.filter(mode="hosted", is_default=True).values_list("code", flat=True)) == ["hosted-2027"]


def test_platform_admins_read_plans_but_do_not_write_them(api):
    admin = api("platform", "platform_admin")
    assert admin.get("/api/v1/billing/plans/").status_code == 200
    assert admin.post("/api/v1/billing/plans/", {"code": "x"}, format="json").status_code == 403


def test_a_run_is_requested_for_a_period_and_answered_202(api, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as queued:
        response = api("platform", "finance").post("/api/v1/billing/runs/", {"period": str(LAST_MONTH)},
                                                   format="json")

    # then
    assert response.status_code == 202
    run = InvoiceRun.objects.get(pk=response.json()["id"])
    assert response["Location"] == f"/api/v1/billing/runs/{run.pk}/"
    assert run.state == InvoiceRun.State.QUEUED and len(queued) == 1


@pytest.mark.parametrize(("body", "code"), [({"period": "2026-13"}, "invalid_period"), ({}, "invalid"),
                                            ({"period": "2999-01"}, "period_not_over")])
def test_a_bad_run_request_is_a_400_with_its_code(api, body, code):
    response = api("platform", "finance").post("/api/v1/billing/runs/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_invoices_filter_by_period_status_and_tenant(api):
    # given
    demo_invoices()
    finance = api("platform", "finance")

    # when
    everything = finance.get(f"/api/v1/billing/invoices/?period={LAST_MONTH}").json()["results"]
    acme = finance.get(f"/api/v1/billing/invoices/?period={LAST_MONTH}&tenant=acme&status=draft").json()["results"]
    none = finance.get(f"/api/v1/billing/invoices/?period={LAST_MONTH}&status=paid").json()["results"]

    # then
    assert {row["tenant"] for row in everything} >= {"acme", "bpo"}
    assert [row["tenant"] for row in acme] == ["acme"]
    assert none == []


@pytest.mark.parametrize("query", ["status=unpaid", "period=2026-1", "kind=bill"])
def test_a_bad_invoice_filter_is_a_400(api, query):
    response = api("platform", "finance").get(f"/api/v1/billing/invoices/?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_filter"


def test_finance_finalizes_voids_and_records_a_payment(api):
    # given
    acme = next(invoice for invoice in demo_invoices() if invoice.tenant.slug == "acme")
    finance = api("platform", "finance")

    # when
    finalized = finance.post(f"/api/v1/billing/invoices/{acme.pk}/finalize/").json()
    again = finance.post(f"/api/v1/billing/invoices/{acme.pk}/finalize/")
    note = finance.post(f"/api/v1/billing/invoices/{acme.pk}/void/", {"reason": "座席数有误"}, format="json").json()
    corrected = Invoice.objects.get(replaces=acme)
    finance.post(f"/api/v1/billing/invoices/{corrected.pk}/finalize/")
    paid = finance.post(f"/api/v1/billing/invoices/{corrected.pk}/pay/", {}, format="json").json()

    # then
    assert finalized["status"] == "finalized" and finalized["number"]
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_not_draft"
    assert note["kind"] == "credit_note" and note["credits"] == finalized["number"]
    assert note["total_fen"] == -finalized["total_fen"]
    assert paid["status"] == "paid"


def test_the_detail_lists_the_lines(api):
    # given
    acme = next(invoice for invoice in demo_invoices() if invoice.tenant.slug == "acme")

    # when
    body = api("platform", "platform_admin").get(f"/api/v1/billing/invoices/{acme.pk}/").json()

    # then
    assert body["lines"][0]["mode"] == "hosted" and body["lines"][0]["days_in_period"] == LAST_MONTH.days
    assert body["pdf"] == f"/api/v1/billing/invoices/{acme.pk}/pdf/"


def test_a_client_admin_reads_its_own_issued_invoices_only(api, tenant):
    # given: acme's invoice issued, bpo's issued, and a draft for acme of another month
    invoices = {invoice.tenant.slug: invoice for invoice in demo_invoices()}
    for slug in ("acme", "bpo"):
        services.do_finalize_invoice(actor=None, invoice=invoices[slug])
    seats_all_month(tenant("acme"), Period(2019, 3), 1, first_id=900)
    (draft,) = services.draft_invoices(Period(2019, 3), [tenant("acme").pk])
    acme_admin = api("acme", "tenant_admin")

    # when
    listed = acme_admin.get("/api/v1/billing/invoices/").json()["results"]

    # then
    assert [row["id"] for row in listed] == [invoices["acme"].pk]
    assert acme_admin.get(f"/api/v1/billing/invoices/{invoices['bpo'].pk}/").status_code == 404
    assert acme_admin.get(f"/api/v1/billing/invoices/{draft.pk}/").status_code == 404
    assert api("acme", "supervisor").get("/api/v1/billing/invoices/").status_code == 403


def test_a_subscription_names_its_plan_by_code(api):
    # given: a self-use client, which runs hosted seats under the operator's licence
    (client,) = make_tenants(1)
    Client.objects.filter(pk=client.pk).update(business_type=Client.BusinessType.SELF_USE)
    Plan.objects.create(code="hosted-vip", name="托管 VIP", mode="hosted", unit_price_fen=20000)

    # when
    response = api("platform", "finance").post("/api/v1/billing/subscriptions/", {
        "tenant": client.slug, "mode": "hosted", "quantity": 3, "plan": "hosted-vip"}, format="json")

    # then
    assert response.status_code == 201, response.content
    assert response.json()["plan"] == "hosted-vip"
    assert client.subscriptions.get().changes.get().quantity == 3
