"""Fixtures over mocks: a real PostgreSQL test database with the demo tenants, real Redis, real Celery.

The test database is built once per session: migrated, the tenant template migrated, and the demo
seed applied (platform, `acme`, `bpo`, one user per role). Each test then runs in a transaction that
is rolled back, except those that ask for `committed` (a worker or a websocket thread must see data).
"""

from __future__ import annotations

import itertools
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection
from django.test.utils import setup_databases, teardown_databases
from django_tenants.utils import get_public_schema_name, schema_context
from rest_framework.test import APIClient

from saas import demo
from saas.accounts.models import User
from saas.accounts.services import do_issue_token
from saas.audit.models import AuditEvent
from saas.celery import app as celery_app
from saas.i18n import compile_catalogs
from tenants.models import Client
from tenants.uscc import check_character

PLATFORM_HOST = "localhost"
HOSTS = {"platform": PLATFORM_HOST, "acme": "acme.localhost", "bpo": "bpo.localhost"}
# Demo users by (tenant, role).
USERS = {
    ("platform", "platform_admin"): "admin",
    ("platform", "compliance_officer"): "compliance",
    ("platform", "finance"): "finance",
    **{(slug, role): f"{slug}-{suffix}" for slug in ("acme", "bpo")
       for role, suffix in (("tenant_admin", "admin"), ("supervisor", "supervisor"), ("agent", "agent"))},
}


def pytest_configure(config):
    compile_catalogs()


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker):
    """The test database, always. pytest-django's own fixture creates only the databases that the
    collected tests ask for through `db` or a marker; a run made only of `committed` tests would get
    none and reach the development database."""
    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=request.config.option.verbose, interactive=False,
                                    aliases={DEFAULT_DB_ALIAS})
        call_command("migrate_fleet", verbosity=0)
        demo.seed()
    # The seed queued provisioning tasks it then did itself; no test should meet them in the queue.
    celery_app.control.purge()
    yield
    with django_db_blocker.unblock():
        # Threads of the in-process servers and workers (uvicorn, Celery, Channels) keep connections
        # open that nothing will close now; the session is over, so end them before dropping.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        teardown_databases(databases, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache():
    """Requests switch the connection's schema; every test starts on the platform's, with no throttles."""
    connection.set_schema_to_public()
    cache.clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def tenant(db):
    return lambda slug: Client.objects.get(slug=slug, status=Client.Status.ACTIVE)


def schema_of(slug: str) -> str:
    return get_public_schema_name() if slug == "platform" else Client.objects.get(slug=slug).schema_name


def issue_token(slug: str, username: str) -> str:
    with schema_context(schema_of(slug)):
        _, key = do_issue_token(user=User.objects.get(username=username))
    return key


@pytest.fixture
def api(db):
    """`api("acme", "tenant_admin")`: an API client on acme's host with a real bearer token of that role.
    `api("acme")`: anonymous on that host. `api("acme", token_of=("bpo", "tenant_admin"))`: a foreign token."""

    def make(slug: str, role: str | None = None, *, token_of: tuple[str, str] | None = None) -> APIClient:
        client = APIClient(HTTP_HOST=HOSTS[slug])
        if role or token_of:
            owner_slug, owner_role = token_of or (slug, role)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(owner_slug, USERS[owner_slug, owner_role])}")
        return client

    return make


@pytest.fixture
def web(db, client):
    """`web("acme", "agent")`: Django's test client on acme's host, logged in through the login page."""

    def make(slug: str, role: str | None = None):
        client.defaults["HTTP_HOST"] = HOSTS[slug]
        # The login page lets a logged-in user through without logging anyone in: a second `web()` in
        # one test would silently stay the first user.
        client.logout()
        if role:
            response = client.post("/login/", {"username": USERS[slug, role], "password": demo.DEMO_PASSWORD})
            assert response.status_code == 302, response.content
        connection.set_schema_to_public()
        return client

    return make


_unique = itertools.count()


@pytest.fixture
def new_slug():
    return lambda: f"t{uuid.uuid4().hex[:6]}{next(_unique)}"


def make_uscc(serial: int | None = None) -> str:
    """A valid unified social credit code, different for every call unless a serial is given."""
    body = f"91310000MA{(next(_unique) if serial is None else serial):07d}"
    return body + check_character(body)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit database access for tests whose data another thread or process must see.

    Tenants created under it are archived and their schemas dropped afterwards.
    """
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_"), "committed data must go to the test database"
        before = set(Client.objects.values_list("pk", flat=True))
        yield
        connection.set_schema_to_public()
        for client in Client.objects.exclude(pk__in=before):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{client.schema_name}" CASCADE')
            client.domains.all().delete()
            AuditEvent.objects.filter(tenant=client).delete()
            client.delete(force_drop=False)


@pytest.fixture
def worker(committed):
    """A real Celery worker on the real broker, in a thread of this process.

    Starting it closes this thread's database connection (Celery's Django fix-up), which is why it
    comes with `committed` rather than a rolled-back transaction.
    """
    # Tasks an earlier test left queued (say, a gateway command with no gateway to take it) are not this test's.
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING") as started:
        yield started
