"""Finance in Chromium: runs last month's invoices from the console and watches the run's progress, sees the
monthly totals charted, opens an invoice and its PDF, and runs the month again without billing anyone twice."""

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceRun, Plan, SeatMode
from billing.pricing import Period
from saas.audit.models import AuditEvent
from saas.demo import DEMO_PASSWORD


def _latest(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def billing_restored(committed):
    """The runs drafts invoices for real (a worker and a server must see them): remove them, the runs and
    their audit rows afterwards. The demo seeds a default plan per mode; should it not, make them here."""
    made = [Plan.objects.create(code=f"{mode}-browser", name=f"{mode}", mode=mode, unit_price_fen=30000,
                                is_default=True)
            for mode in SeatMode.values if not Plan.objects.filter(mode=mode, is_default=True).exists()]
    before = {model: _latest(model) for model in (Invoice, InvoiceRun, AuditEvent)}
    yield
    Invoice.objects.filter(pk__gt=before[Invoice]).delete()
    InvoiceRun.objects.filter(pk__gt=before[InvoiceRun]).delete()
    AuditEvent.objects.filter(pk__gt=before[AuditEvent]).delete()
    Plan.objects.filter(pk__in=[plan.pk for plan in made]).delete()


def _run_last_month(page) -> InvoiceRun:
    before = _latest(InvoiceRun)
    page.click("form.run-invoices button")
    deadline = time.monotonic() + 10
    while (run := InvoiceRun.objects.filter(pk__gt=before).first()) is None:
        assert time.monotonic() < deadline, "the button queued no run"
        time.sleep(0.1)
    # The card polls itself until the worker has finished the run, then the page is drawn again.
    expect(page.locator(f"#run-{run.pk}[data-state=finished]")).to_be_visible(timeout=30_000)
    run.refresh_from_db()
    return run


def test_finance_runs_last_month_and_opens_an_invoice(billing_restored, worker, site, page):
    base = site("platform")
    last_month = str(Period.before(timezone.localdate()))

    # given: logged in as finance, on the billing console
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "finance")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.click('nav a[href="/console/billing/"]')
    expect(page.locator("input[name=period]")).to_have_value(last_month)

    # when: last month is run
    first = _run_last_month(page)

    # then: the demo's tenants with seat-days are invoiced, the card says so, and the totals are charted
    assert first.period == last_month and first.invoices_created >= 2 and first.tenants_done == first.tenants_total
    counts = page.locator(f"#run-{first.pk} .run-counts")
    expect(counts).to_have_attribute("data-created", str(first.invoices_created))
    expect(page.locator("#totals-chart canvas").first).to_be_visible()

    # when: finance opens one of the month's invoices
    page.click(f"#run-{first.pk} a[href$='?period={last_month}']")
    page.click("table.invoices tbody tr a")
    expect(page.locator(".invoice-document")).to_be_visible()
    invoice = Invoice.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))

    # then: its PDF downloads as a PDF
    pdf_url = page.locator("a.pdf-link").get_attribute("href")
    assert page.request.get(f"{base}{pdf_url}").headers["content-type"] == "application/pdf"
    with page.expect_download() as download:
        page.click("a.pdf-link")
    assert download.value.suggested_filename == f"draft-{invoice.pk}.pdf"

    # when: the same month is run again
    page.click('nav a[href="/console/billing/"]')
    second = _run_last_month(page)

    # then: nobody is billed twice
    assert (second.invoices_created, second.already_invoiced) == (0, first.invoices_created)
    counts = page.locator(f"#run-{second.pk} .run-counts")
    expect(counts).to_have_attribute("data-created", "0")
    expect(counts).to_have_attribute("data-already", str(first.invoices_created))
    assert Invoice.objects.filter(period=last_month, kind="invoice").count() == first.invoices_created
