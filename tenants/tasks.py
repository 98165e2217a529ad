from saas.celery import app
from tenants.services import do_provision_tenant, do_requeue_stalled_provisioning


@app.task(acks_late=True)
def provision_tenant(client_id: int) -> None:
    do_provision_tenant(client_id=client_id)


@app.task
def requeue_stalled_provisioning() -> int:
    return do_requeue_stalled_provisioning()
