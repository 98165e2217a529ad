"""The path a platform admin takes: POST, 202, poll; the schema made by a real Celery worker.

Marked `smoke`: CI repeats it against the machine's own PostgreSQL and Redis.
"""

import time

import pytest
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from saas.accounts.models import User
from saas.accounts.services import do_issue_token
from tenants.models import Client
from tests.conftest import make_uscc

pytestmark = pytest.mark.smoke


def _platform_admin() -> APIClient:
    _, key = do_issue_token(user=User.objects.get(username="admin"))
    client = APIClient(HTTP_HOST="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _wait_until_ready(client: APIClient, status_url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(status_url).json()
        if body["status"] != "provisioning":
            return body
        time.sleep(0.1)
    raise AssertionError(f"{status_url} still provisioning after {timeout} s")


def test_two_tenants_provisioned_by_the_worker_are_isolated(worker, new_slug):
    # given
    admin = _platform_admin()
    slugs = [new_slug(), new_slug()]

    # when
    accepted = [
        admin.post("/api/v1/tenants/", {"slug": slug, "legal_name": f"{slug} 有限公司", "uscc": make_uscc(),
                                        "business_type": "commercial"}, format="json")
        for slug in slugs
    ]

    # then: accepted at once, then made ready by the worker
    assert [response.status_code for response in accepted] == [202, 202]
    assert all(response.json()["status"] == "provisioning" for response in accepted)
    statuses = [_wait_until_ready(admin, response["Location"]) for response in accepted]
    assert [status["status"] for status in statuses] == ["active", "active"]

    # and each tenant's users are its own
    first, second = (APIClient(HTTP_HOST=f"{slug}.localhost") for slug in slugs)
    for slug, name in zip(slugs, ("first-admin", "second-admin"), strict=True):
        with schema_context(Client.objects.get(slug=slug).schema_name):
            User.objects.create_user(username=name, password="long-password-1", role="tenant_admin")
    first_token = first.post("/api/v1/auth/token/", {"username": "first-admin", "password": "long-password-1"},
                             format="json")
    assert first_token.status_code == 201
    first.credentials(HTTP_AUTHORIZATION=f"Bearer {first_token.json()['token']}")
    second.credentials(HTTP_AUTHORIZATION=f"Bearer {first_token.json()['token']}")
    # each has its own first "admin" from provisioning, and only its own
    assert [user["username"] for user in first.get("/api/v1/users/").json()["results"]] == ["admin", "first-admin"]
    assert second.get("/api/v1/users/").status_code == 401
    assert second.post("/api/v1/auth/token/", {"username": "first-admin", "password": "long-password-1"},
                       format="json").status_code == 400


def test_a_new_tenant_comes_with_its_first_admin_who_can_log_in(worker, new_slug):
    # given
    admin = _platform_admin()
    slug = new_slug()

    # when
    accepted = admin.post("/api/v1/tenants/", {"slug": slug, "legal_name": f"{slug} 有限公司", "uscc": make_uscc(),
                                               "business_type": "self_use", "admin_username": "boss"}, format="json")
    credentials = accepted.json()["initial_admin"]
    _wait_until_ready(admin, accepted["Location"])

    # then: the password was shown once, only its hash was kept, and it works on the new host
    assert credentials["username"] == "boss" and len(credentials["password"]) >= 12
    client = Client.objects.get(slug=slug)
    assert client.initial_admin_password_hash == "" and client.initial_admin_username == ""
    token = APIClient(HTTP_HOST=f"{slug}.localhost").post("/api/v1/auth/token/", credentials, format="json")
    assert token.status_code == 201 and token.json()["role"] == "tenant_admin"
