from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from tenants.models import Client


def client_list(*, status: str | None = None) -> QuerySet[Client]:
    clients = Client.objects.exclude(schema_name=get_public_schema_name()).prefetch_related("domains")
    if status:
        clients = clients.filter(status=status)
    return clients


def client_get(*, slug: str) -> Client | None:
    return client_list().exclude(status=Client.Status.ARCHIVED).filter(slug=slug).first()
