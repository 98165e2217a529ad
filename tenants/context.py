from django.db import connection
from django_tenants.utils import get_public_schema_name

from tenants.models import Client


def current_tenant() -> Client | None:
    """The client enterprise whose schema the connection is on; None on the platform's.

    In a request the middleware has put the Client itself on the connection; under
    `schema_context` / `tenant_context` (tasks, commands) there may only be django-tenants'
    FakeTenant, which carries the schema name and nothing else.
    """
    if connection.schema_name == get_public_schema_name():
        return None
    if isinstance(connection.tenant, Client):
        return connection.tenant
    return Client.objects.get(schema_name=connection.schema_name)
