"""The tenant template schema and the migration state of every schema.

New tenants are cloned from `TENANT_BASE_SCHEMA` (django-tenants' clone with faked migrations), which
is an order of magnitude faster than migrating a fresh schema. The template is therefore migrated
first, before any tenant, whenever migrations change.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.clone import CloneSchema
from django_tenants.utils import schema_exists
from psycopg.errors import UndefinedFunction


def template_schema() -> str:
    return settings.TENANT_BASE_SCHEMA


def ensure_template_exists() -> bool:
    """Create the template schema if missing; True if it was created (and so needs migrating)."""
    if schema_exists(template_schema()):
        return False
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{template_schema()}"')
    return True


def clone_template(schema_name: str) -> None:
    """Create `schema_name` as a copy of the template, tables, sequences and rows included.

    The rows include the template's django_migrations, so unlike django-tenants' `create_schema` no
    fake migrate follows (it cost as much as the clone itself), and the `clone_schema` SQL function
    is created once rather than before every clone.
    """
    if not schema_exists(template_schema()):
        raise RuntimeError("the tenant template schema is missing: run `saas migrate_fleet`")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema(), schema_name])
    except Exception as error:
        if not isinstance(error.__cause__, UndefinedFunction):
            raise
        CloneSchema()._create_clone_schema_function()  # first clone on this database
        with connection.cursor() as cursor:
            cursor.execute("SELECT clone_schema(%s, %s, 'DATA')", [template_schema(), schema_name])


@cache
def expected_migrations() -> frozenset[tuple[str, str]]:
    """Every migration on disk. django-tenants records all of them in every schema (shared apps' ones
    too, as no-ops), so a schema is current when its django_migrations holds at least these."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def applied_migrations(schema_names: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Applied migrations of many schemas in one round trip."""
    applied: dict[str, set[tuple[str, str]]] = {name: set() for name in schema_names}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schema_names],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        if not with_table:
            return applied
        union = " UNION ALL ".join(
            f"SELECT %s, app, name FROM {connection.ops.quote_name(name)}.django_migrations" for name in with_table
        )
        cursor.execute(union, with_table)
        for schema_name, app, name in cursor.fetchall():
            applied[schema_name].add((app, name))
    return applied


def stale_schemas(schema_names: list[str]) -> list[str]:
    expected = expected_migrations()
    applied = applied_migrations(schema_names)
    return [name for name in schema_names if not expected <= applied[name]]
