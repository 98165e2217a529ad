"""Live tenant status for the platform console, pushed over the channel layer."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# Group names always carry the schema they belong to (here the platform's), so no tenant's socket
# can ever share a group with another's.
PLATFORM_TENANTS_GROUP = "public.tenants"


def tenant_summary(client) -> dict:
    return {
        "slug": client.slug,
        "legal_name": client.legal_name,
        "status": client.status,  # the page shows its own label for it, in the reader's language
        "ready": client.ready,
    }


def announce_tenant(client) -> None:
    async_to_sync(get_channel_layer().group_send)(
        PLATFORM_TENANTS_GROUP, {"type": "tenant.changed", "tenant": tenant_summary(client)}
    )
