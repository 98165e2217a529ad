from compliance.models import AuditRun
from compliance.services import do_request_audit, do_run_audit
from saas.celery import app


@app.task(acks_late=True)
def run_audit(run_id: int) -> None:
    do_run_audit(run_id=run_id)


@app.task
def nightly_audit() -> None:
    """Beat's nightly run: queued like any other, so its progress shows on the run list."""
    do_request_audit(actor=None, trigger=AuditRun.Trigger.NIGHTLY)
