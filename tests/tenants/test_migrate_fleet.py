"""`saas migrate_fleet`: current schemas are skipped, a schema behind is migrated."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from tenants.models import Client
from tenants.schemas import expected_migrations, stale_schemas


def _run() -> str:
    out = StringIO()
    call_command("migrate_fleet", stdout=out, verbosity=1)
    return out.getvalue()


def test_a_fleet_that_is_current_is_all_skipped(db):
    # given
    schemas = ["tenant_template", *Client.objects.exclude(schema_name="public").values_list("schema_name", flat=True)]

    # when
    output = _run()

    # then
    assert stale_schemas(schemas) == []
    assert f"{len(schemas)} schemas: 0 migrated, {len(schemas)} already current" in output


def test_a_schema_behind_is_found_and_migrated(db):
    # given: bpo's schema lacks the record of a migration (a shared app's: a no-op in a tenant schema,
    # so applying it again is safe)
    schema = Client.objects.get(slug="bpo").schema_name
    last = max(name for app, name in expected_migrations() if app == "audit")
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', ["audit", last])
    assert stale_schemas([schema, "tenant_template"]) == [schema]

    # when
    output = _run()

    # then
    assert "1 migrated" in output
    assert stale_schemas([schema]) == []


def test_check_mode_reports_without_migrating(db):
    # given
    schema = Client.objects.get(slug="acme").schema_name
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s', ["audit"])

    # when
    try:
        call_command("migrate_fleet", check=True, stdout=StringIO())
    except Exception as error:  # noqa: BLE001
        refused = str(error)
    else:
        refused = ""

    # then
    assert "1 schema(s) behind" in refused and schema in refused
    assert stale_schemas([schema]) == [schema]
