"""HTTP and websockets on one ASGI application (served by uvicorn)."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saas.settings")
http = get_asgi_application()  # sets Django up before the routes import models

from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from saas.realtime import TenantWebsocketMiddleware  # noqa: E402
from saas.routing import platform_routes, tenant_routes  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(TenantWebsocketMiddleware(platform_routes, tenant_routes)),
    }
)
