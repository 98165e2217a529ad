"""Provisioning by template clone, isolation between tenants, suspension and archiving."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context, schema_exists
from rest_framework.test import APIClient

from saas.accounts.models import User
from tenants.models import Client
from tenants.schemas import stale_schemas
from tenants.services import do_archive_tenant, do_provision_tenant, do_request_tenant
from tests.conftest import make_uscc

USCC = make_uscc(serial=4242)


def _request(slug, uscc=USCC):
    return do_request_tenant(actor=None, slug=slug, legal_name="测试企业有限公司", uscc=uscc,
                             business_type=Client.BusinessType.SELF_USE)


def _tables(schema):
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [schema])
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.smoke
def test_provisioning_clones_the_template_schema_with_every_table(db, new_slug):
    # given
    client = _request(new_slug())
    assert client.status == Client.Status.PROVISIONING and not client.ready
    assert not schema_exists(client.schema_name)

    # when
    client = do_provision_tenant(client_id=client.pk)

    # then
    assert client.status == Client.Status.ACTIVE and client.ready
    assert _tables(client.schema_name) == _tables("tenant_template")
    assert stale_schemas([client.schema_name]) == []  # its migration records came with the clone
    assert {"accounts_user", "accounts_apitoken", "django_session", "django_migrations"} <= _tables(client.schema_name)


def test_provisioning_twice_changes_nothing(db, new_slug):
    # given
    client = do_provision_tenant(client_id=_request(new_slug()).pk)
    changed_at = client.status_changed_at

    # when
    again = do_provision_tenant(client_id=client.pk)

    # then
    assert again.status_changed_at == changed_at


@pytest.mark.smoke
def test_a_row_created_in_acme_is_invisible_from_bpo_through_the_orm(tenant):
    # given
    with schema_context(tenant("acme").schema_name):
        User.objects.create(username="only-in-acme", role="agent")

    # when
    with schema_context(tenant("bpo").schema_name):
        seen_from_bpo = User.objects.filter(username="only-in-acme").exists()

    # then
    assert not seen_from_bpo
    with schema_context(tenant("acme").schema_name):
        assert User.objects.filter(username="only-in-acme").exists()


@pytest.mark.smoke
def test_a_row_created_in_acme_is_invisible_from_bpo_through_the_api(api):
    # given
    created = api("acme", "tenant_admin").post(
        "/api/v1/users/", {"username": "acme-newcomer", "password": "long-enough-1", "role": "agent"}, format="json"
    )
    assert created.status_code == 201, created.content

    # when
    from_acme = api("acme", "tenant_admin").get("/api/v1/users/").json()
    from_bpo = api("bpo", "tenant_admin").get("/api/v1/users/").json()

    # then
    assert "acme-newcomer" in [user["username"] for user in from_acme["results"]]
    assert "acme-newcomer" not in [user["username"] for user in from_bpo["results"]]


def test_a_row_created_in_acme_is_invisible_from_bpo_on_the_web(tenant, web):
    # given
    with schema_context(tenant("acme").schema_name):
        User.objects.create(username="acme-web-only", role="agent", display_name="只在艾克米")

    # when
    acme_page = web("acme", "tenant_admin").get("/users/").content.decode()
    bpo_page = web("bpo", "tenant_admin").get("/users/").content.decode()

    # then
    assert "acme-web-only" in acme_page
    assert "acme-web-only" not in bpo_page


def test_a_suspended_tenant_keeps_its_data_and_refuses_logins(api):
    # given
    admin = api("platform", "platform_admin")
    bpo_token_client = api("bpo", "tenant_admin")

    # when
    response = admin.post("/api/v1/tenants/bpo/suspend/")

    # then
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    refused = api("bpo").post("/api/v1/auth/token/", {"username": "bpo-admin", "password": "x"}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "tenant_suspended"
    assert bpo_token_client.get("/api/v1/me/").status_code == 403
    with schema_context(Client.objects.get(slug="bpo").schema_name):
        assert User.objects.filter(username="bpo-admin").exists()

    # and when resumed, it serves again
    assert admin.post("/api/v1/tenants/bpo/resume/").json()["status"] == "active"
    assert bpo_token_client.get("/api/v1/me/").status_code == 200


def test_archiving_keeps_the_schema_and_frees_the_domain_and_slug(db, api, new_slug):
    # given
    slug = new_slug()
    client = do_provision_tenant(client_id=_request(slug).pk)
    with schema_context(client.schema_name):
        User.objects.create(username="kept-after-archive", role="agent")

    # when
    archived = do_archive_tenant(actor=None, client=client)

    # then: the host is gone, the data is not
    assert APIClient(HTTP_HOST=f"{slug}.localhost").get("/api/v1/me/").status_code == 404
    assert schema_exists(archived.schema_name) and not schema_exists(f"tenant_{slug}")
    with schema_context(archived.schema_name):
        assert User.objects.filter(username="kept-after-archive").exists()
    # and the slug and credit code can be registered again
    again = _request(slug)
    assert again.pk != client.pk and again.schema_name == f"tenant_{slug}"
