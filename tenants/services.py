"""Writes on client enterprises. Each action is atomic and leaves an audit row."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import schema_context

from saas.accounts.models import User
from saas.accounts.roles import Role
from saas.api.errors import Conflict, DomainError
from saas.audit.services import record
from saas.celery import enqueue
from tenants import realtime
from tenants.models import Client, Domain
from tenants.schemas import clone_template, template_schema

logger = logging.getLogger(__name__)


def domain_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def do_request_tenant(*, actor, slug: str, legal_name: str, uscc: str, business_type: str,
                      admin_username: str = "admin") -> Client:
    """Register a client enterprise and queue its provisioning; the schema is made by the worker.

    The returned client carries `initial_admin_password`: the first client admin's password, generated
    here and never stored in clear, for the caller to hand over once. No admin with an empty username.
    """
    password = secrets.token_urlsafe(12) if admin_username else ""
    client = Client(
        slug=slug,
        legal_name=legal_name,
        uscc=uscc,
        business_type=business_type,
        schema_name=f"tenant_{slug.replace('-', '_')}",
        initial_admin_username=admin_username,
        initial_admin_password_hash=make_password(password) if admin_username else "",
    )
    try:
        client.full_clean(exclude=["schema_name"], validate_constraints=False)
    except ValidationError as error:
        raise DomainError("invalid", _("Some fields are not valid."), details=error.message_dict) from error

    with transaction.atomic():
        live = Client.objects.exclude(status=Client.Status.ARCHIVED)
        if live.filter(slug=slug).exists() or Domain.objects.filter(domain=domain_for(slug)).exists():
            raise Conflict("slug_taken", _("This slug is already used by another client enterprise."))
        if live.filter(uscc=uscc).exists():
            raise Conflict("uscc_taken", _("A client enterprise with this credit code is already registered."))
        client.save()
        Domain.objects.create(domain=domain_for(slug), tenant=client, is_primary=True)
        record(actor=actor, action="tenant.requested", target=client, tenant=client, data={"slug": slug})
        transaction.on_commit(lambda: _queue_provisioning(client.pk))
    client.initial_admin_password = password  # for the caller, once; the row keeps only its hash
    return client


def _queue_provisioning(client_id: int) -> None:
    enqueue("tenants.tasks.provision_tenant", client_id, when_unreachable="beat queues the tenant again")


def do_requeue_stalled_provisioning(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Queue again every tenant left in provisioning (broker was down, worker died mid-task)."""
    stalled = Client.objects.filter(
        status=Client.Status.PROVISIONING, ready=False, created_at__lt=timezone.now() - older_than
    ).values_list("pk", flat=True)
    stalled = list(stalled)
    for client_id in stalled:
        _queue_provisioning(client_id)
    return len(stalled)


def do_provision_tenant(*, client_id: int) -> Client:
    """Clone the template schema for a tenant. Idempotent: a ready tenant is left as it is."""
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client_id)
        if client.ready:
            return client
        try:
            with transaction.atomic():
                clone_template(client.schema_name)
        except Exception as error:  # noqa: BLE001 — any database error must surface as a failed status
            logger.exception("provisioning %s failed", client.slug)
            client.status = Client.Status.FAILED
            client.provisioning_error = str(error)[:2000]
            _changed_status(client)
            record(actor=None, action="tenant.provisioning_failed", target=client, tenant=client)
        else:
            _create_initial_admin(client)
            client.ready = True
            client.status = Client.Status.ACTIVE
            client.provisioning_error = ""
            _changed_status(client)
            record(actor=None, action="tenant.provisioned", target=client, tenant=client,
                   data={"template": template_schema()})
        connection.set_schema_to_public()
    return client


def _create_initial_admin(client: Client) -> None:
    if not client.initial_admin_username:
        return
    with schema_context(client.schema_name):
        admin = User.objects.create(username=client.initial_admin_username,
                                    password=client.initial_admin_password_hash,
                                    role=Role.TENANT_ADMIN, display_name=client.legal_name)
        record(actor=None, action="user.created", target=admin, tenant=client,
               data={"username": admin.username, "role": admin.role, "initial_admin": True})
    client.initial_admin_username = client.initial_admin_password_hash = ""
    client.save(update_fields=["initial_admin_username", "initial_admin_password_hash"])


def do_suspend_tenant(*, actor, client: Client) -> Client:
    return _transition(actor, client, Client.Status.SUSPENDED, allowed_from={Client.Status.ACTIVE})


def do_resume_tenant(*, actor, client: Client) -> Client:
    return _transition(actor, client, Client.Status.ACTIVE, allowed_from={Client.Status.SUSPENDED})


def do_archive_tenant(*, actor, client: Client) -> Client:
    """Keep the schema (renamed, out of the way) and free the domain, slug and credit code."""
    with transaction.atomic():
        client = _transition(
            actor, client, Client.Status.ARCHIVED,
            allowed_from={Client.Status.ACTIVE, Client.Status.SUSPENDED, Client.Status.FAILED},
        )
        archived_name = f"archived_{client.pk}_{client.slug.replace('-', '_')}"[:63]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [client.schema_name])
            if cursor.fetchone():
                cursor.execute(f'ALTER SCHEMA "{client.schema_name}" RENAME TO "{archived_name}"')
        client.domains.all().delete()
        client.schema_name = archived_name
        client.ready = False
        client.save(update_fields=["schema_name", "ready"])
    return client


def _transition(actor, client: Client, status: str, *, allowed_from: set[str]) -> Client:
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        if client.is_platform:
            raise Conflict("platform_tenant", _("The platform operator itself cannot be changed this way."))
        if client.status not in allowed_from:
            raise Conflict(
                "invalid_status",
                _("A client enterprise in status “%(status)s” cannot change to “%(target)s”.")
                % {"status": client.get_status_display(), "target": Client.Status(status).label},
            )
        previous = client.status
        client.status = status
        _changed_status(client)
        record(actor=actor, action=f"tenant.{status}", target=client, tenant=client,
               data={"from": previous, "to": status})
    return client


def _changed_status(client: Client) -> None:
    client.status_changed_at = timezone.now()
    client.save(update_fields=["status", "ready", "provisioning_error", "status_changed_at"])
    transaction.on_commit(lambda: realtime.announce_tenant(client))
