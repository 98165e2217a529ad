from django.urls import path

from saas.acd.consumers.desktop import AgentDesktopConsumer
from saas.acd.consumers.gateway import GatewayConsumer
from saas.acd.consumers.wallboard import WallboardConsumer
from tenants.consumers import PlatformTenantsConsumer

GATEWAY_PATH = "/ws/telephony/gateway/"

platform_routes = [path("ws/platform/tenants/", PlatformTenantsConsumer.as_asgi())]
tenant_routes: list = [
    path("ws/agent/desktop/", AgentDesktopConsumer.as_asgi()),
    path("ws/supervisor/wallboard/", WallboardConsumer.as_asgi()),
    path(GATEWAY_PATH.lstrip("/"), GatewayConsumer.as_asgi()),
]
