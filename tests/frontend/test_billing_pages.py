"""The finance console (invoice runs, invoices, their exports and life) on the platform host, and a client
admin's own invoices on the tenant host. Invoices are drafted from seat-days of the test's own in March
2025, long before the demo's seat history, so their amounts are the test's alone."""

import csv
import io
import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from billing.documents import yuan
from billing.models import Invoice, InvoiceRun, Plan, SeatLedgerEntry, SeatMode
from billing.pricing import SHANGHAI, Period
from billing.services import do_finalize_invoice, do_mark_paid, do_void_invoice, draft_invoices

PERIOD = "2025-03"
PLATFORM_PAGES = ["/console/billing/", "/console/billing/invoices/", "/console/billing/invoices/export.csv",
                  "/console/billing/invoices/export.xlsx"]


def default_plan(mode: str) -> Plan:
    """The mode's default plan: the demo's, or one made here when the demo has none."""
    plan = Plan.objects.filter(mode=mode, is_default=True).first()
    return plan or Plan.objects.create(code=f"{mode}-std", name=f"{mode} seat", mode=mode, unit_price_fen=30000,
                                       is_default=True)


def seat_days(client, *, seats: int, first: int, last: int, mode: str = SeatMode.HOSTED) -> None:
    """`seats` seats of the client active from the `first` to the `last` day of March 2025."""
    entries = []
    for number in range(seats):
        seat = {"tenant": client, "seat_id": 990_000 + number, "seat_code": f"T{number:03d}", "mode": mode}
        entries += [
            SeatLedgerEntry(**seat, event="activated", at=datetime(2025, 3, first, 9, tzinfo=SHANGHAI)),
            SeatLedgerEntry(**seat, event="deactivated", at=datetime(2025, 3, last, 18, tzinfo=SHANGHAI)),
        ]
    SeatLedgerEntry.objects.bulk_create(entries)


@pytest.fixture
def drafts(tenant):
    """Draft invoices of March 2025: acme 2 hosted seats for 10 days, bpo 1 for 20 days."""
    default_plan(SeatMode.HOSTED)
    acme, bpo = tenant("acme"), tenant("bpo")
    seat_days(acme, seats=2, first=1, last=10)
    seat_days(bpo, seats=1, first=1, last=20)
    slugs = {acme.pk: "acme", bpo.pk: "bpo"}
    return {slugs[invoice.tenant_id]: invoice for invoice in draft_invoices(Period.parse(PERIOD), [acme.pk, bpo.pk])}


def finalized(invoice: Invoice) -> Invoice:
    return do_finalize_invoice(actor=None, invoice=invoice)


def json_script(page: str, element_id: str):
    return json.loads(page.split(f'id="{element_id}" type="application/json">')[1].split("</script>")[0])


def invoice_ids(page: str) -> set[int]:
    return {int(chunk.split('"')[0]) for chunk in page.split('data-invoice="')[1:]}


def this_month() -> str:
    return str(Period.before(timezone.localdate()).next)


# --- Who may see what ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["finance", "platform_admin"])
@pytest.mark.parametrize("url", PLATFORM_PAGES)
def test_finance_and_platform_admins_open_the_billing_pages(web, role, url):
    assert web("platform", role).get(url).status_code == 200


@pytest.mark.parametrize("url", PLATFORM_PAGES)
def test_a_compliance_officer_may_not_open_the_billing_pages(web, url):
    assert web("platform", "compliance_officer").get(url).status_code == 403


@pytest.mark.parametrize("url", [*PLATFORM_PAGES, "/console/billing/invoices/1/"])
def test_the_billing_pages_send_anonymous_visitors_to_log_in(web, url):
    # when
    response = web("platform").get(url)

    # then
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(("role", "status"), [("tenant_admin", 200), ("supervisor", 403), ("agent", 403)])
def test_the_tenant_invoice_list_is_for_client_admins(web, role, status):
    assert web("acme", role).get("/billing/invoices/").status_code == status


def test_the_finance_console_is_not_on_a_tenant_host(web):
    assert web("acme", "tenant_admin").get("/console/billing/").status_code == 404


@pytest.mark.parametrize(("slug", "role", "url", "shown"), [
    ("platform", "finance", "/console/billing/", True),
    ("platform", "platform_admin", "/console/billing/", True),
    ("platform", "compliance_officer", "/console/billing/", False),
    ("acme", "tenant_admin", "/billing/invoices/", True),
    ("acme", "supervisor", "/billing/invoices/", False),
    ("acme", "agent", "/billing/invoices/", False),
])
def test_the_billing_entry_is_in_the_navigation_of_those_who_may_use_it(web, slug, role, url, shown):
    # when
    page = web(slug, role).get("/", follow=True).content.decode()
    nav = page.split("<nav>")[1].split("</nav>")[0]

    # then
    assert (f'href="{url}"' in nav) is shown


def test_the_billing_entry_stays_lit_on_every_billing_page(web, drafts):
    # given
    client = web("platform", "finance")

    # when
    pages = [client.get(url).content.decode() for url in
             ("/console/billing/invoices/", f"/console/billing/invoices/{drafts['acme'].pk}/")]

    # then
    assert all('href="/console/billing/" class="active"' in page for page in pages)


# --- Runs ------------------------------------------------------------------------------------------------

def test_the_run_form_proposes_last_month(web):
    # when
    page = web("platform", "finance").get("/console/billing/").content.decode()

    # then
    last_month = str(Period.before(timezone.localdate()))
    assert f'type="month" name="period" value="{last_month}"' in page


def test_finance_runs_a_month_from_the_page_and_its_card_polls(web):
    # given
    before = InvoiceRun.objects.count()

    # when
    response = web("platform", "finance").post("/console/billing/", {"period": PERIOD}, HTTP_HX_REQUEST="true")

    # then
    run = InvoiceRun.objects.first()
    part = response.content.decode()
    assert response.status_code == 200 and InvoiceRun.objects.count() == before + 1
    assert (run.period, run.state, run.trigger, run.requested_by) == (PERIOD, "queued", "manual", "finance")
    assert part.startswith('<div id="run-panel"')
    assert f'id="run-{run.pk}"' in part and 'hx-trigger="every 1s"' in part and "<progress" in part


def test_a_run_without_htmx_goes_back_to_the_overview(web):
    # when
    response = web("platform", "finance").post("/console/billing/", {"period": PERIOD})

    # then
    assert response.status_code == 302 and response["Location"] == "/console/billing/"
    assert InvoiceRun.objects.filter(period=PERIOD, state="queued").exists()


def test_a_platform_admin_sees_the_runs_but_may_not_run_one(web):
    # given
    client = web("platform", "platform_admin")

    # when
    page = client.get("/console/billing/").content.decode()
    response = client.post("/console/billing/", {"period": PERIOD})

    # then
    assert 'name="period"' not in page
    assert response.status_code == 403 and not InvoiceRun.objects.filter(period=PERIOD).exists()


@pytest.mark.parametrize("htmx", [True, False])
def test_a_month_not_over_is_refused_in_the_form(web, htmx):
    # when
    response = web("platform", "finance").post("/console/billing/", {"period": this_month()},
                                               **({"HTTP_HX_REQUEST": "true"} if htmx else {}))

    # then
    page = response.content.decode()
    assert response.status_code == 400 and 'data-code="period_not_over"' in page
    assert f'value="{this_month()}"' in page
    assert not InvoiceRun.objects.filter(period=this_month()).exists()


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "soon", ""])
def test_a_malformed_period_is_a_form_error(web, period):
    # when
    response = web("platform", "finance").post("/console/billing/", {"period": period}, HTTP_HX_REQUEST="true")

    # then
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert not InvoiceRun.objects.exists()


def test_a_running_runs_card_shows_its_progress_and_keeps_polling(web):
    # given
    run = InvoiceRun.objects.create(period=PERIOD, state="running", started_at=timezone.now(), tenants_total=10,
                                    tenants_done=4, invoices_created=3, already_invoiced=1)

    # when
    part = web("platform", "platform_admin").get(f"/console/billing/runs/{run.pk}/status/?as=card").content.decode()

    # then
    assert 'data-state="running"' in part and 'hx-trigger="every 1s"' in part
    assert 'value="4" max="10"' in part
    assert 'data-done="4" data-total="10" data-created="3" data-already="1"' in part


def test_a_finished_runs_card_stops_polling_and_draws_the_page_again(web):
    # given
    now = timezone.now()
    run = InvoiceRun.objects.create(period=PERIOD, state="finished", started_at=now, finished_at=now,
                                    tenants_total=2, tenants_done=2, invoices_created=0, already_invoiced=2)

    # when
    card = web("platform", "finance").get(f"/console/billing/runs/{run.pk}/status/?as=card", HTTP_HX_REQUEST="true")
    row = web("platform", "finance").get(f"/console/billing/runs/{run.pk}/status/?as=row", HTTP_HX_REQUEST="true")

    # then: the card reloads the page once, for the new totals; a row just stops
    assert "hx-trigger" not in card.content.decode() and card["HX-Refresh"] == "true"
    assert 'data-created="0" data-already="2"' in card.content.decode()
    assert f"/console/billing/invoices/?period={PERIOD}" in card.content.decode()
    assert row.content.decode().startswith("<tr") and "HX-Refresh" not in row


def test_the_status_of_an_unknown_run_is_404(web):
    assert web("platform", "finance").get("/console/billing/runs/999999/status/").status_code == 404


def test_the_overview_lists_runs_and_live_ones_poll(web):
    # given
    live = InvoiceRun.objects.create(period=PERIOD, state="queued")

    # when
    page = web("platform", "finance").get("/console/billing/").content.decode()

    # then: the last run as the card, and as a row of the table
    row = page.split(f'id="run-row-{live.pk}"')[1].split("</tr>")[0]
    assert f'id="run-{live.pk}"' in page
    assert f"/console/billing/runs/{live.pk}/status/?as=row" in row and PERIOD in row


def test_the_overview_charts_what_each_month_billed_per_kind_of_seat(web, drafts):
    # given
    billed = drafts["acme"].total_fen + drafts["bpo"].total_fen  # hosted plans price with VAT included

    # when
    page = web("platform", "finance").get("/console/billing/").content.decode()

    # then
    chart = json_script(page, "totals-chart-data")
    series = {item["mode"]: item["data"] for item in chart["series"]}
    assert PERIOD in chart["periods"] and set(series) == set(SeatMode.values)
    index = chart["periods"].index(PERIOD)
    assert series["hosted"][index] == {"fen": billed, "label": yuan(billed)}
    assert series["outsourced"][index]["fen"] == 0
    assert chart["totals"][index] == yuan(billed)
    assert 'class="billing-chart"' in page and "vendor/echarts-5.6.0.min.js" in page


# --- Invoices ------------------------------------------------------------------------------------------------

def test_the_invoice_list_shows_the_drafts_with_their_amounts(web, drafts):
    # when
    page = web("platform", "finance").get(f"/console/billing/invoices/?period={PERIOD}").content.decode()

    # then
    acme = drafts["acme"]
    row = page.split(f'data-invoice="{acme.pk}"')[1].split("</tr>")[0]
    assert invoice_ids(page) == {acme.pk, drafts["bpo"].pk}
    assert acme.tenant.legal_name in row and PERIOD in row and f"#{acme.pk}</a>" in row
    assert yuan(acme.subtotal_fen) in row and yuan(acme.vat_fen) in row and yuan(acme.total_fen) in row
    assert acme.subtotal_fen + acme.vat_fen == acme.total_fen > 0


@pytest.mark.parametrize(("query", "expected"), [
    ("tenant=acme", {"acme"}),
    ("tenant=bpo&status=draft", {"bpo"}),
    ("status=finalized", set()),
    ("kind=credit_note", set()),
    (f"period={PERIOD}&kind=invoice", {"acme", "bpo"}),
])
def test_the_invoice_filters_combine(web, drafts, query, expected):
    # when
    page = web("platform", "finance").get(f"/console/billing/invoices/?period={PERIOD}&{query}").content.decode()

    # then
    assert invoice_ids(page) == {drafts[slug].pk for slug in expected}


@pytest.mark.parametrize("query", ["period=2025-3", "period=2025-13", "status=lost", "tenant=nobody",
                                   "kind=receipt"])
@pytest.mark.parametrize("url", ["/console/billing/invoices/", "/console/billing/invoices/export.csv"])
def test_a_bad_invoice_filter_is_a_400_page_not_a_500(web, url, query):
    # when
    response = web("platform", "finance").get(f"{url}?{query}")

    # then
    assert response.status_code == 400 and "<code>invalid</code>" in response.content.decode()


def test_the_periods_invoices_are_counted_per_status_with_links(web, drafts):
    # given
    finalized(drafts["bpo"])

    # when
    page = web("platform", "platform_admin").get(f"/console/billing/invoices/?period={PERIOD}").content.decode()

    # then
    counts = page.split('class="tenant-summary status-counts"')[1].split("</div>")[0]
    draft_link = f'href="/console/billing/invoices/?period={PERIOD}&amp;status=draft" data-status="draft">'
    assert f"{draft_link}<strong>1<" in counts
    assert 'data-status="finalized"><strong>1<' in counts and 'data-status="paid"><strong>0<' in counts


@pytest.mark.parametrize(("role", "query", "offered"), [
    ("finance", f"period={PERIOD}", True),
    ("finance", "", False),  # no period chosen
    ("platform_admin", f"period={PERIOD}", False),
])
def test_finalize_all_is_offered_to_finance_for_a_chosen_period(web, drafts, role, query, offered):
    # when
    page = web("platform", role).get(f"/console/billing/invoices/?{query}").content.decode()

    # then
    assert ('action="/console/billing/invoices/finalize/"' in page) is offered
    if offered:
        assert "hx-confirm=" in page.split('class="finalize-period"')[1].split(">")[0]


def test_finance_finalizes_every_draft_of_a_period(web, drafts):
    # when
    response = web("platform", "finance").post("/console/billing/invoices/finalize/", {"period": PERIOD},
                                               HTTP_HX_REQUEST="true")

    # then: numbered, and htmx sent to the period's list
    invoices = Invoice.objects.filter(period=PERIOD)
    assert response.status_code == 200 and response["HX-Redirect"] == f"/console/billing/invoices/?period={PERIOD}"
    assert {invoice.status for invoice in invoices} == {"finalized"}
    assert all(invoice.number for invoice in invoices)


def test_finalize_all_without_htmx_redirects_with_a_message(web, drafts):
    # when
    response = web("platform", "finance").post("/console/billing/invoices/finalize/", {"period": PERIOD}, follow=True)

    # then
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/console/billing/invoices/?period={PERIOD}"
    assert 'class="flash flash-success"' in page and f"{PERIOD}" in page


@pytest.mark.parametrize(("role", "period", "status"), [("platform_admin", PERIOD, 403), ("finance", "2025-3", 400)])
def test_finalize_all_is_refused_to_readers_and_for_a_bad_period(web, drafts, role, period, status):
    # when
    response = web("platform", role).post("/console/billing/invoices/finalize/", {"period": period})

    # then
    assert response.status_code == status
    assert not Invoice.objects.filter(period=PERIOD).exclude(status="draft").exists()


# --- Exports -----------------------------------------------------------------------------------------------

def test_the_csv_export_has_a_bom_and_the_filtered_rows(web, drafts):
    # given
    acme = finalized(drafts["acme"])

    # when
    response = web("platform", "finance").get(f"/console/billing/invoices/export.csv?period={PERIOD}&tenant=acme")

    # then
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and len(rows[0]) == len(rows[1]) == 14
    number, _kind, _status, slug, legal_name, period, currency, subtotal, vat, total, *_times = rows[1]
    assert (number, slug, legal_name, period, currency) == (acme.number, "acme", acme.tenant.legal_name, PERIOD, "CNY")
    assert Decimal(subtotal) * 100 == acme.subtotal_fen and Decimal(vat) * 100 == acme.vat_fen
    assert total == f"{acme.total_fen // 100}.{acme.total_fen % 100:02d}"


def test_the_xlsx_export_opens_with_amounts_as_numbers_and_times_as_dates(web, drafts):
    # given
    finalized(drafts["bpo"])

    # when
    response = web("platform", "platform_admin").get(f"/console/billing/invoices/export.xlsx?period={PERIOD}")

    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert response.status_code == 200 and len(rows) == 3 and len(rows[0]) == 14
    by_slug = {row[3]: row for row in rows[1:]}
    assert by_slug["acme"][0] is None and by_slug["bpo"][0] == Invoice.objects.get(pk=drafts["bpo"].pk).number
    assert round(by_slug["acme"][9] * 100) == drafts["acme"].total_fen
    assert hasattr(by_slug["bpo"][11], "year")  # finalized at, a real date


def test_an_invoice_export_in_an_unknown_format_is_404(web):
    assert web("platform", "finance").get("/console/billing/invoices/export.pdf").status_code == 404


def test_an_invoice_export_too_large_asks_to_narrow_the_filters(web, drafts, monkeypatch):
    # given
    monkeypatch.setattr("frontend.billing.views.EXPORT_LIMIT", 1)

    # when
    response = web("platform", "finance").get("/console/billing/invoices/export.csv")

    # then
    assert response.status_code == 400 and "<code>export_too_large</code>" in response.content.decode()


# --- One invoice -------------------------------------------------------------------------------------------

def actions(page: str) -> set[str]:
    return {chunk.split('"')[0] for chunk in page.split('name="action" value="')[1:]}


@pytest.mark.parametrize(("role", "state", "offered"), [
    ("finance", "draft", {"finalize", "void"}),
    ("finance", "finalized", {"pay", "void"}),
    ("finance", "paid", set()),
    ("platform_admin", "draft", set()),
    ("platform_admin", "finalized", set()),
])
def test_the_invoice_page_shows_the_document_and_what_finance_may_do(web, drafts, role, state, offered):
    # given
    invoice = drafts["acme"]
    if state != "draft":
        invoice = finalized(invoice)
    if state == "paid":
        invoice = do_mark_paid(actor=None, invoice=invoice)

    # when
    response = web("platform", role).get(f"/console/billing/invoices/{invoice.pk}/")

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="invoice-document' in page and f'data-status="{state}"' in page
    assert f'href="/console/billing/invoices/{invoice.pk}/pdf/"' in page
    assert actions(page) == offered


def test_an_unknown_invoice_is_404(web):
    assert web("platform", "finance").get("/console/billing/invoices/999999/").status_code == 404


def test_finance_finalizes_a_draft(web, drafts):
    # when
    response = web("platform", "finance").post(f"/console/billing/invoices/{drafts['acme'].pk}/finalize/",
                                               follow=True)

    # then
    invoice = Invoice.objects.get(pk=drafts["acme"].pk)
    assert invoice.status == "finalized" and invoice.number
    assert response.redirect_chain[-1][0] == f"/console/billing/invoices/{invoice.pk}/"
    assert 'class="flash flash-success"' in response.content.decode() and invoice.number in response.content.decode()


def test_finance_marks_a_bank_transfer_paid(web, drafts):
    # given
    invoice = finalized(drafts["acme"])

    # when
    response = web("platform", "finance").post(f"/console/billing/invoices/{invoice.pk}/pay/", HTTP_HX_REQUEST="true")

    # then
    invoice.refresh_from_db()
    assert response["HX-Redirect"] == f"/console/billing/invoices/{invoice.pk}/"
    assert invoice.status == "paid" and invoice.paid_at is not None


@pytest.mark.parametrize("reissue", [True, False])
def test_finance_voids_a_finalized_invoice_with_a_credit_note(web, drafts, reissue):
    # given
    invoice = finalized(drafts["acme"])

    # when
    response = web("platform", "finance").post(f"/console/billing/invoices/{invoice.pk}/void/",
                                               {"reason": "座席数有误", **({"reissue": "on"} if reissue else {})},
                                               follow=True)

    # then: the credit note is linked from the voided invoice, and the correction when asked for
    invoice.refresh_from_db()
    note = Invoice.objects.get(credits=invoice)
    page = response.content.decode()
    assert invoice.status == "void" and note.kind == "credit_note" and note.total_fen == -invoice.total_fen
    assert f'href="/console/billing/invoices/{note.pk}/"' in page and note.number in page
    assert Invoice.objects.filter(replaces=invoice, status="draft").exists() is reissue


def test_voiding_needs_a_reason(web, drafts):
    # when
    response = web("platform", "finance").post(f"/console/billing/invoices/{drafts['acme'].pk}/void/",
                                               {"reason": "  ", "reissue": "on"})

    # then: the page again, the void form open with its error
    assert response.status_code == 400 and 'class="field-error"' in response.content.decode()
    assert Invoice.objects.get(pk=drafts["acme"].pk).status == "draft"


@pytest.mark.parametrize(("action", "code"), [("finalize", "invoice_not_draft"), ("pay", "invoice_not_payable"),
                                              ("void", "invoice_not_voidable")])
def test_an_action_on_an_invoice_that_moved_on_is_a_conflict_message(web, drafts, action, code):
    # given: someone else has voided the draft meanwhile
    invoice = drafts["acme"]
    do_void_invoice(actor=None, invoice=invoice, reason="重复", reissue=False)

    # when
    response = web("platform", "finance").post(f"/console/billing/invoices/{invoice.pk}/{action}/",
                                               {"reason": "再次作废"})

    # then
    page = response.content.decode()
    assert response.status_code == 409 and f'data-code="{code}"' in page and 'class="invoice-document' in page


@pytest.mark.parametrize("action", ["finalize", "pay", "void"])
def test_a_platform_admin_may_not_act_on_an_invoice(web, drafts, action):
    # when
    response = web("platform", "platform_admin").post(f"/console/billing/invoices/{drafts['acme'].pk}/{action}/",
                                                      {"reason": "x"})

    # then
    assert response.status_code == 403 and Invoice.objects.get(pk=drafts["acme"].pk).status == "draft"


@pytest.mark.parametrize("issued", [False, True])
def test_the_pdf_is_named_after_the_number_or_the_draft(web, drafts, issued):
    # given
    invoice = finalized(drafts["acme"]) if issued else drafts["acme"]

    # when
    response = web("platform", "finance").get(f"/console/billing/invoices/{invoice.pk}/pdf/")

    # then
    name = f"{invoice.number}.pdf" if issued else f"draft-{invoice.pk}.pdf"
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response.content.startswith(b"%PDF")


# --- The tenant's own invoices -------------------------------------------------------------------------------

def test_a_client_admin_sees_its_issued_invoices_only(web, drafts):
    # given: acme's invoice issued then voided (a credit note, a corrected draft), bpo's issued
    acme = finalized(drafts["acme"])
    note = do_void_invoice(actor=None, invoice=acme, reason="更正", reissue=True)
    correction = Invoice.objects.get(replaces=acme)
    bpo = finalized(drafts["bpo"])

    # when
    page = web("acme", "tenant_admin").get("/billing/invoices/").content.decode()

    # then: never a draft, never another tenant's
    assert invoice_ids(page) == {acme.pk, note.pk}
    assert correction.pk not in invoice_ids(page) and bpo.pk not in invoice_ids(page)
    assert yuan(note.total_fen) in page and note.total_fen < 0


def test_a_draft_voided_before_it_was_issued_stays_hidden(web, drafts):
    # given
    do_void_invoice(actor=None, invoice=drafts["acme"], reason="重算", reissue=False)

    # when
    page = web("acme", "tenant_admin").get("/billing/invoices/").content.decode()
    response = web("acme", "tenant_admin").get(f"/billing/invoices/{drafts['acme'].pk}/")

    # then
    assert not invoice_ids(page) and response.status_code == 404


def test_a_client_admin_opens_its_own_invoice_and_its_pdf(web, drafts):
    # given
    invoice = finalized(drafts["acme"])
    client = web("acme", "tenant_admin")

    # when
    page = client.get(f"/billing/invoices/{invoice.pk}/")
    pdf = client.get(f"/billing/invoices/{invoice.pk}/pdf/")

    # then
    assert page.status_code == 200 and f'data-number="{invoice.number}"' in page.content.decode()
    assert 'href="/billing/invoices/" class="active"' in page.content.decode()
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoice.number}.pdf"'


@pytest.mark.parametrize("url", ["/billing/invoices/{pk}/", "/billing/invoices/{pk}/pdf/"])
def test_another_tenants_invoice_and_an_own_draft_are_not_found(web, drafts, url):
    # given
    bpo = finalized(drafts["bpo"])
    own_draft = drafts["acme"]
    client = web("acme", "tenant_admin")

    # when
    foreign = client.get(url.format(pk=bpo.pk))
    draft = client.get(url.format(pk=own_draft.pk))

    # then
    assert foreign.status_code == 404 and draft.status_code == 404
