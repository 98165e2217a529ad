"""HTTP and websockets on one ASGI application (served by uvicorn)."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")
http = get_asgi_application()  # sets Django up before the routes import models

from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from saas.realtime import TenantWebsocketMiddleware  # noqa: E402
from saas.routing import GATEWAY_PATH, platform_routes, tenant_routes  # noqa: E402

sockets = TenantWebsocketMiddleware(platform_routes, tenant_routes)
from_our_pages = AllowedHostsOriginValidator(sockets)


async def websocket(scope, receive, send):
    """Browsers must come from our own pages (their cookie would otherwise ride along). The telephony
    gateway is no browser and sends no Origin; it proves itself with its key, never a cookie."""
    if scope["path"] == GATEWAY_PATH:
        return await sockets(scope, receive, send)
    return await from_our_pages(scope, receive, send)


application = ProtocolTypeRouter({"http": http, "websocket": websocket})
