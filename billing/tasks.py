from django.utils import timezone

from billing.models import InvoiceRun
from billing.pricing import Period
from billing.services import do_request_invoice_run, do_run_invoices
from saas.celery import app


@app.task(acks_late=True, reject_on_worker_lost=True)
def run_invoices(run_id: int) -> None:
    # A worker that dies mid-run gives the task back to the broker; the run resumes where it stopped.
    do_run_invoices(run_id=run_id)


@app.task
def monthly_invoice_run() -> None:
    """Beat's run on the 1st: last month, queued like any other so its progress shows in the console."""
    do_request_invoice_run(actor=None, period=str(Period.before(timezone.localdate())),
                           trigger=InvoiceRun.Trigger.MONTHLY)
