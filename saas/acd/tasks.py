"""Commands for a tenant's gateway while no gateway is connected: POSTed to each active integration's
webhook, signed (`X-Gateway-Signature: t=<unix time>,v1=<HMAC-SHA256>`, saas.acd.gateway.signature).

A command is only worth something for seconds (a route rings for the queue's ring time), so a failed
delivery is tried again quickly a few times and then given up: the ACD's deadlines put the call back.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request

from django_tenants.utils import schema_context

from saas.acd.gateway import signature, webhook_body
from saas.acd.models import GatewayIntegration
from saas.celery import app
from tenants.models import Client

logger = logging.getLogger(__name__)

RETRIES = 3  # after the first try: 1 s, 2 s, 4 s later
TIMEOUT_SECONDS = 5


class Transient(Exception):
    """The webhook could not be reached or failed on its side (5xx): worth trying again."""


@app.task(bind=True, max_retries=RETRIES)
def post_to_gateway(self, schema: str, message: dict, pending: list[int] | None = None) -> None:
    """POST `message` to the webhooks of `schema`'s active integrations (`pending`: only those
    integrations, on a retry, so a webhook that took it does not get it twice)."""
    if not Client.objects.filter(schema_name=schema, ready=True, status=Client.Status.ACTIVE).exists():
        return
    with schema_context(schema):
        targets = GatewayIntegration.objects.filter(active=True).exclude(webhook_url="")
        if pending is not None:
            targets = targets.filter(pk__in=pending)
        targets = list(targets.values_list("pk", "webhook_url", "webhook_secret"))
    body = webhook_body(message)
    failed = []
    for pk, url, secret in targets:
        try:
            _post(url, secret, body)
        except Transient as error:
            failed.append(pk)
            logger.warning("gateway webhook %s of %s failed (%s); try %d of %d", url, schema, error,
                           self.request.retries + 1, RETRIES + 1)
    if failed:
        if self.request.retries >= RETRIES:
            logger.error("gateway command %s for %s not delivered to integrations %s", message.get("id"), schema,
                         failed)
            return
        raise self.retry(args=(schema, message, failed), countdown=2 ** self.request.retries)


def _post(url: str, secret: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Gateway-Signature": signature(secret, body, int(time.time()))})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS):
            pass
    except urllib.error.HTTPError as error:
        if error.code >= 500:
            raise Transient(f"HTTP {error.code}") from error
        # Refused (4xx): it would be refused again.
        logger.error("gateway webhook %s refused a command: HTTP %s", url, error.code)
    except (urllib.error.URLError, OSError) as error:  # unreachable, refused, reset, timed out
        raise Transient(str(getattr(error, "reason", error))) from error
