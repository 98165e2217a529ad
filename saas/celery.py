"""The Celery app. Tasks run in the schema of the tenant that queued them (tenant-schemas-celery)."""

import logging
import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")

app = CeleryApp("saas")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(task: str, *args, when_unreachable: str) -> None:
    """Send the task named by its dotted path (named, so services need not import the tasks that import
    them). A broker outage is logged, not raised: what the caller committed stays, and
    `when_unreachable` says what will queue it again."""
    from django.utils.module_loading import import_string
    from kombu.exceptions import OperationalError

    try:
        import_string(task).delay(*args)
    except OperationalError:
        logger.warning("broker unreachable; %s%r not queued: %s", task, args, when_unreachable)
