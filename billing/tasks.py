import stripe
from django.utils import timezone

from billing import stripe_sync
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


# --- Stripe (billing/stripe_sync.py) --------------------------------------------------------------------

# Worth trying again: Stripe unreachable, overloaded or failing on its side. A refused request
# (InvalidRequestError, AuthenticationError) would be refused again; it fails the task and is logged.
STRIPE_TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


@app.task(acks_late=True, autoretry_for=STRIPE_TRANSIENT, max_retries=5, retry_backoff=True, retry_backoff_max=600,
          retry_jitter=True)
def push_invoice_to_stripe(invoice_id: int) -> None:
    # Every call to Stripe carries an idempotency key of our ids: a retry creates nothing twice.
    stripe_sync.push_invoice(invoice_id)


@app.task(acks_late=True, autoretry_for=STRIPE_TRANSIENT, max_retries=5, retry_backoff=True, retry_backoff_max=600,
          retry_jitter=True)
def void_stripe_invoice(invoice_id: int) -> None:
    stripe_sync.void_invoice(invoice_id)


@app.task
def push_pending_to_stripe() -> None:
    """Beat, every 15 minutes: finalized invoices whose push never reached Stripe are queued again."""
    for invoice_id in stripe_sync.unpushed():
        stripe_sync.queue_push(invoice_id)
